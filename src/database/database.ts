import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Client, type Pool, type PoolClient } from 'pg';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { exclusivePGliteDriver } from './exclusive-pglite-pool';
import { DataDirLock } from './data-dir-lock';
import { embeddedPostgresOptions, useCompactWasmCode } from './pglite-options';
import { initDataDirApart } from './pglite-initdb';

/** A row as the driver returns it, before a query names its type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- driver rows are untyped until a query names T
export type SqlRow = Record<string, any>;

/** Anything that runs SQL: the database itself, or one open transaction. */
export interface Sql {
  query<T = SqlRow>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Inside a transaction: runs `callback` once it has committed (never on rollback); each callback
   * at most once per transaction. Absent on the database itself, where every statement commits alone.
   */
  afterCommit?(callback: () => void): void;
}

export type DatabaseKind = 'postgres' | 'pglite';
export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

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
    if (this.pool) {
      const statement = prepared(text, params);
      try {
        return (await this.pool.query(statement)).rows as T[];
      } catch (error) {
        // Outside a transaction a statement whose prepared plan went stale can simply run again.
        if (!forgetIfStale(statement, error)) throw error;
        return (await this.pool.query({ text, values: statement.values })).rows as T[];
      }
    }
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

export interface DedicatedSession {
  tryAdvisoryLock(key: string): Promise<boolean>;
  unlock(key: string): Promise<void>;
  /** Resolves when the session breaks (its locks are gone). */
  readonly lost: Promise<void>;
  close(): Promise<void>;
}

class PostgresSession implements DedicatedSession {
  readonly lost: Promise<void>;

  constructor(private readonly client: Client) {
    this.lost = new Promise((resolve) => {
      client.on('error', () => resolve());
      client.on('end', () => resolve());
    });
  }

  async tryAdvisoryLock(key: string): Promise<boolean> {
    const { rows } = await this.client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock(hashtextextended($1, 0)) as locked',
      [key],
    );
    return rows[0]?.locked === true;
  }

  async unlock(key: string): Promise<void> {
    await this.client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [key]);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

class EmbeddedSession implements DedicatedSession {
  readonly lost = new Promise<void>(() => undefined);
  async tryAdvisoryLock(): Promise<boolean> {
    return true;
  }
  async unlock(): Promise<void> {}
  async close(): Promise<void> {}
}

const preparedNames = new Map<string, string>();
const MAX_PREPARED = 500;

/**
 * The service's statements are a fixed set of texts with parameters, so each is prepared once per
 * connection under a name (node-postgres keeps them): PostgreSQL parses and plans it once, and the
 * text is not sent again. Texts naming per-run scratch tables are not named, nor any past the
 * first few hundred distinct texts (a bound against generated SQL).
 */
function prepared(text: string, params: readonly unknown[]): { text: string; values: unknown[]; name?: string } {
  const values = [...params];
  let name = preparedNames.get(text);
  if (name === '') return { text, values };
  if (name === undefined) {
    if (
      preparedNames.size >= MAX_PREPARED ||
      text.includes('pg_temp.') ||
      text.includes('__rebuild') ||
      text.includes('__verify')
    ) {
      return { text, values };
    }
    name = `g_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    preparedNames.set(text, name);
  }
  return { name, text, values };
}

/**
 * A table whose columns changed under a prepared `SELECT *` (another replica migrated) fails with
 * "cached plan must not change result type": the text is then sent unnamed from now on.
 */
function forgetIfStale(statement: { text: string; name?: string }, error: unknown): boolean {
  if (!statement.name || (error as { code?: string }).code !== '0A000') return false;
  preparedNames.set(statement.text, '');
  return true;
}

async function pooledTransaction<T>(
  client: PoolClient,
  work: (tx: Sql) => Promise<T>,
  isolation: IsolationLevel,
): Promise<T> {
  // A connection whose ROLLBACK or COMMIT failed is in an unknown state: it is destroyed, not reused.
  let broken: Error | undefined;
  const committed = new Set<() => void>();
  // A connection that dies while checked out reports here; the query in flight fails on its own.
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    let result: T;
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const tx: Sql = {
        query: async (text, params = []) => {
          const statement = prepared(text, params);
          try {
            return (await client.query(statement)).rows;
          } catch (error) {
            forgetIfStale(statement, error);
            throw error;
          }
        },
        afterCommit: (callback) => committed.add(callback),
      };
      result = await work(tx);
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    }
    try {
      await client.query('COMMIT');
    } catch (error) {
      broken = error as Error;
      throw error;
    }
    for (const callback of committed) callback();
    return result;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

async function runOn<T>(runner: QueryRunner, text: string, params: readonly unknown[]): Promise<T[]> {
  const result = await runner.query(text, [...params], true);
  return (result.records ?? []) as T[];
}

/** The PostgreSQL SQLSTATE of an error thrown by a query (TypeORM wraps the driver's error). */
export function sqlState(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' ? code : undefined;
}
