#!/usr/bin/env node
import 'reflect-metadata';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp } from '../bootstrap';
import { parseConfig } from '../config/app-config';
import { Database } from '../database/database';
import { ALL_MIGRATIONS } from '../migrations';
import { openApiFilePath, openApiFileText } from './openapi-file';

/**
 * `npm run openapi`: starts the service on a throw-away in-memory database and a loopback port,
 * reads the document it serves at `GET /docs-json`, and writes it to `openapi.json` in a stable
 * form. The environment's DATABASE_URL and DATA_DIR are not used: nothing outside is touched.
 */
async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'genledger-openapi-'));
  const database = await Database.open({ pgliteDir: 'memory://', migrations: ALL_MIGRATIONS });
  const config = parseConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0' });
  const app = await createApp({ config, database, schedule: false });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.getHttpServer().address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/docs-json`);
    if (!response.ok) throw new Error(`GET /docs-json answered ${response.status}`);
    const path = openApiFilePath(resolve(__dirname, '../../..'));
    writeFileSync(path, openApiFileText(await response.json()));
    process.stdout.write(`wrote ${path}\n`);
  } finally {
    await app.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`openapi: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
