import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { embeddedPostgresOptions } from './pglite-options';

const COMPILED_SELF = join(__dirname, 'pglite-initdb.js');

/**
 * Creates an empty embedded database directory (initdb) in a short-lived child process. PGlite's
 * initdb runs a second PostgreSQL and initdb's own WebAssembly beside the first; their memory
 * (about 500 MB) stays in a long-running process until the garbage collector gets to it, which
 * took about 40 s after start-up. A child returns it to the system when it exits.
 * From the TypeScript sources (the tests), PGlite runs initdb in-process as before.
 */
export async function initDataDirApart(dir: string): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION')) || !existsSync(COMPILED_SELF)) return;
  try {
    await promisify(execFile)(process.execPath, [COMPILED_SELF, dir], { timeout: 120_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`creating the embedded database in ${dir} failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
}

async function createAndClose(dir: string): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create(dir, embeddedPostgresOptions(PGlite.defaultStartParams));
  await pglite.close();
}

if (require.main === module) {
  createAndClose(process.argv[2] ?? '').catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
