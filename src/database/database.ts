import { join } from 'node:path';
import { Client, type Pool } from 'pg';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { exclusivePGliteDriver } from './exclusive-pglite-pool';
import { DataDirLock } from './data-dir-lock';
import { embeddedPostgresOptions, useCompactWasmCode } from './pglite-options';
import { initDataDirApart } from './pglite-initdb';
import { EmbeddedSession, PostgresSession, type DedicatedSession } from './dedicated-session';
import { pooledQuery, pooledTransaction } from './pooled-sql';
import type { IsolationLevel, Sql, SqlRow } from './sql';

export type { DedicatedSession } from './dedicated-session';
export { sqlState, type IsolationLevel, type Sql, type SqlRow } from './sql';

export type DatabaseKind = 'postgres' | 'pglite';

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; when absent, the embedded PGlite is used. */
  readonly url?: string;
  /** PGlite directory (`memory://` for a throw-away one). */
  readonly pgliteDir?: string;
  readonly migrations: ReadonlyArray<new () => MigrationInterface>;
  readonly poolSize?: number;
  readonly applicationName?: string;
}

type Unlisten = () => Promise<void>;

/**
 * The one way the service talks to its database: plain SQL (the same text on PostgreSQL and
 * PGlite), transactions that hand a transaction-bound `Sql` to the caller, LISTEN/NOTIFY, and the
 * TypeORM data source that owns the connections and runs the migrations.
 */
export class Database implements Sql {
  /**
   * On PostgreSQL, queries and transactions use the data source's own pg pool directly: TypeORM
   * owns the connections and the migrations, but its query-runner layer costs more per statement
   * than the statement itself on the hot paths.
   */
  private readonly pool: Pool | undefined;

  private constructor(
    readonly kind: DatabaseKind,
    readonly dataSource: DataSource,
    private readonly url: string | undefined,
    private readonly pglite: import('@electric-sql/pglite').PGlite | undefined,
    private readonly lock: DataDirLock | undefined,
  ) {
    this.pool =
      kind === 'postgres' ? ((dataSource.driver as unknown as { master: Pool }).master ?? undefined) : undefined;
  }

  static async open(options: OpenDatabaseOptions): Promise<Database> {
    if (options.url) {
      const dataSource = new DataSource({
        type: 'postgres',
        url: options.url,
        migrations: [...options.migrations],
        migrationsTableName: 'schema_migrations',
        synchronize: false,
        installExtensions: false,
        parseInt8: true,
        poolSize: options.poolSize ?? 10,
        applicationName: options.applicationName ?? 'genledger',
        connectTimeoutMS: 30000,
        logging: false,
      });
      await dataSource.initialize();
      return new Database('postgres', dataSource, options.url, undefined, undefined);
    }

    const dir = options.pgliteDir ?? 'memory://';
    const lock = dir.startsWith('memory://') ? undefined : DataDirLock.acquire(dir);
    try {
      if (lock) await initDataDirApart(dir);
      useCompactWasmCode();
      const { PGlite } = await import('@electric-sql/pglite');
      const pglite = await PGlite.create(
        dir.startsWith('memory://') ? dir : join(dir),
        embeddedPostgresOptions(PGlite.defaultStartParams),
      );
      const dataSource = new DataSource({
        type: 'postgres',
        driver: exclusivePGliteDriver(pglite),
        migrations: [...options.migrations],
        migrationsTableName: 'schema_migrations',
        synchronize: false,
        installExtensions: false,
        logging: false,
      });
      await dataSource.initialize();
      return new Database('pglite', dataSource, undefined, pglite, lock);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  /**
   * Applies pending migrations. Replicas starting together on a fresh PostgreSQL take turns behind
   * a session advisory lock, so only the first creates the schema and the others find it done.
   */
  async migrate(): Promise<void> {
    if (this.kind === 'pglite') {
      await this.dataSource.runMigrations({ transaction: 'each' });
      return;
    }
    const session = new Client({ connectionString: this.url, application_name: 'genledger-migrate' });
    session.on('error', () => undefined);
    await session.connect();
    try {
      await session.query(`SELECT pg_advisory_lock(hashtextextended('genledger:migrations', 0))`);
      await this.dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await session.end().catch(() => undefined);
    }
  }

  /** Resolves when the database answers a trivial statement. */
  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async hasPendingMigrations(): Promise<boolean> {
    return this.dataSource.showMigrations();
  }

  async query<T = SqlRow>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    if (this.pool) return pooledQuery<T>(this.pool, text, params);
    const runner = this.dataSource.createQueryRunner();
    try {
      return await runOn<T>(runner, text, params);
    } finally {
      await runner.release();
    }
  }

  /**
   * Runs `work` in one transaction. On PGlite the session is held for the whole transaction, so
   * every query inside must go through the `Sql` handed to `work` (a query on the database itself
   * would wait for this transaction to end).
   */
  async transaction<T>(work: (tx: Sql) => Promise<T>, isolation: IsolationLevel = 'READ COMMITTED'): Promise<T> {
    if (this.pool) return pooledTransaction(await this.pool.connect(), work, isolation);
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.startTransaction(isolation);
      const committed = new Set<() => void>();
      const tx: Sql = {
        query: (text, params = []) => runOn(runner, text, params),
        afterCommit: (callback) => committed.add(callback),
      };
      let result: T;
      try {
        result = await work(tx);
      } catch (error) {
        await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
      await runner.commitTransaction();
      for (const callback of committed) callback();
      return result;
    } finally {
      await runner.release();
    }
  }

  /** Calls `handler` for each NOTIFY on `channel`; returns a function that stops listening. */
  async listen(channel: string, handler: (payload: string) => void): Promise<Unlisten> {
    if (this.pglite) {
      return this.pglite.listen(channel, handler);
    }
    const client = new Client({ connectionString: this.url, application_name: 'genledger-listen' });
    client.on('error', () => undefined);
    await client.connect();
    client.on('notification', (message) => {
      if (message.channel === channel) handler(message.payload ?? '');
    });
    await client.query(`LISTEN "${channel.replace(/"/g, '')}"`);
    return async () => {
      await client.end().catch(() => undefined);
    };
  }

  /**
   * A dedicated PostgreSQL session for session-level advisory locks (leader election). PGlite is a
   * single process behind a directory lock, so there every lock is trivially held.
   */
  async openSession(): Promise<DedicatedSession> {
    if (this.kind === 'pglite') return new EmbeddedSession();
    const client = new Client({ connectionString: this.url, application_name: 'genledger-leader' });
    await client.connect();
    return new PostgresSession(client);
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.pglite?.close();
    this.lock?.release();
  }
}

async function runOn<T>(runner: QueryRunner, text: string, params: readonly unknown[]): Promise<T[]> {
  const result = await runner.query(text, [...params], true);
  return (result.records ?? []) as T[];
}
