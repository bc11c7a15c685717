import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type AppConfig } from '../../src/config/app-config';
import { createRootLogger } from '../../src/common/logging';
import { createApp, type CreateAppOptions } from '../../src/bootstrap';
import { Database } from '../../src/database/database';
import { ALL_MIGRATIONS } from '../../src/migrations';
import type { Clock } from '../../src/common/clock';
import { createTestDatabase, hasPostgres } from './test-database';

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly config: AppConfig;
  readonly database: Database;
  /** Every JSON log line the app wrote. */
  readonly logs: Array<Record<string, unknown>>;
  readonly rawLogs: string[];
  request(path: string, init?: RequestInit & { json?: unknown; user?: string; admin?: string }): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
  readonly text: string;
}

export interface TestAppOptions {
  readonly env?: Record<string, string>;
  readonly clock?: Clock;
  /** Share a database between apps (several "replicas"); otherwise a fresh one is made. */
  readonly database?: Database;
  /** Force the embedded database even when PostgreSQL is available. */
  readonly embedded?: boolean;
  /** Run the cron jobs (off by default: tests call the jobs directly). */
  readonly schedule?: boolean;
  readonly providerResilience?: CreateAppOptions['providerResilience'];
  /** Called with the app before it listens (Fastify hooks can only be added then). */
  readonly beforeListen?: (app: NestFastifyApplication) => void;
  /** Listen on this port (0, the default, picks a free one): for URLs the app must know, such as `PUBLIC_BASE_URL`. */
  readonly port?: number;
}

/** A fresh database: PostgreSQL when the run has one, otherwise an in-memory PGlite. */
export async function openTestDatabase(options: { embedded?: boolean; label?: string } = {}): Promise<Database> {
  if (hasPostgres() && !options.embedded) {
    const url = await createTestDatabase(options.label ?? 'app');
    return Database.open({ url, migrations: ALL_MIGRATIONS });
  }
  return Database.open({ pgliteDir: 'memory://', migrations: ALL_MIGRATIONS });
}

/** Starts the whole service on a loopback port, as the e2e suites see it. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownDatabase = !options.database;
  const database = options.database ?? (await openTestDatabase({ embedded: options.embedded }));
  const config = parseConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), 'genledger-test-')),
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...options.env,
  });
  const rawLogs: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        rawLogs.push(line);
        try {
          logs.push(JSON.parse(line));
        } catch {
          logs.push({ unparsable: line });
        }
      }
      callback();
    },
  });
  const app = await createApp({
    config,
    clock: options.clock,
    database,
    schedule: options.schedule ?? false,
    providerResilience: options.providerResilience ?? {
      baseDelayMs: 20,
      maxDelayMs: 200,
      attemptTimeoutMs: 5000,
      halfOpenAfterMs: 1000,
    },
    logger: createRootLogger(config.logLevel, sink),
  });
  options.beforeListen?.(app);
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    url,
    config,
    database,
    logs,
    rawLogs,
    async request(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.user !== undefined) headers.set('x-user-id', init.user);
      if (init.admin !== undefined) headers.set('authorization', `Bearer ${init.admin}`);
      let body = init.body;
      if (init.json !== undefined) {
        body = JSON.stringify(init.json);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
      const response = await fetch(`${url}${path}`, { ...init, headers, body });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    async close() {
      await app.close();
      if (ownDatabase) await database.close();
    },
  };
}
