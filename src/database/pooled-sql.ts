import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { IsolationLevel, Sql } from './sql';

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

export async function pooledTransaction<T>(
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

/** One statement on the pool, outside any transaction. */
export async function pooledQuery<T>(pool: Pool, text: string, params: readonly unknown[]): Promise<T[]> {
  const statement = prepared(text, params);
  try {
    return (await pool.query(statement)).rows as T[];
  } catch (error) {
    // Outside a transaction a statement whose prepared plan went stale can simply run again.
    if (!forgetIfStale(statement, error)) throw error;
    return (await pool.query({ text, values: statement.values })).rows as T[];
  }
}
