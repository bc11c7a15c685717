import { Pool } from 'pg';
import { RECORDED_COLUMNS } from '../../src/event-store/group-commit';
import { note, throughput, timed } from './measure';

export interface CeilingAppendFigures {
  /** Into a table with the columns and indexes of `events` (no store logic). */
  readonly sameShape: { readonly singleRowsPerSecond: number; readonly batchRowsPerSecond: number };
  /** Into a bare table (identity key, stream id, jsonb): what PostgreSQL does with the least work. */
  readonly bare: { readonly singleRowsPerSecond: number; readonly batchRowsPerSecond: number };
}

const CLIENTS = 32;
const BATCH = 100;

/**
 * PostgreSQL's own ceiling for the same writes: plain INSERTs from 32 clients, each in its own
 * autocommit transaction with the server's default durability (synchronous_commit as configured),
 * single rows and 100-row multi-row INSERTs.
 */
export async function ceilingAppends(url: string, seconds: number, round: number): Promise<CeilingAppendFigures> {
  const pool = new Pool({ connectionString: url, max: CLIENTS, application_name: 'genledger-bench-ceiling' });
  try {
    // Kept across rounds, as `events` is on genledger's side: indexes grow alike.
    await pool.query('CREATE TABLE IF NOT EXISTS plain_events (LIKE events INCLUDING ALL)');
    await pool.query(
      'CREATE TABLE IF NOT EXISTS plain_rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream_id text NOT NULL, data jsonb NOT NULL)',
    );
    const shaped = (size: number) => {
      const values = Array.from(
        { length: size },
        (_, k) => `($1, $${k + 2}::int, 'Counted', $${k + size + 2}::jsonb, '{}', now())`,
      ).join(', ');
      return async (writer: number, iteration: number) => {
        const positions = Array.from({ length: size }, (_, k) => iteration * size + k + 1);
        const data = Array.from({ length: size }, (_, k) => JSON.stringify({ writer, iteration, k }));
        await pool.query(
          `INSERT INTO plain_events (stream_id, stream_position, type, data, metadata, recorded_at) VALUES ${values}`,
          [`plain-${round}-${size}-${writer}`, ...positions, ...data],
        );
        return size;
      };
    };
    const bare = (size: number) => {
      const values = Array.from({ length: size }, (_, k) => `($1, $${k + 2}::jsonb)`).join(', ');
      return async (writer: number, iteration: number) => {
        const data = Array.from({ length: size }, (_, k) => JSON.stringify({ writer, iteration, k }));
        await pool.query(`INSERT INTO plain_rows (stream_id, data) VALUES ${values}`, [
          `bare-${round}-${writer}`,
          ...data,
        ]);
        return size;
      };
    };
    note('ceiling: single-row INSERTs, same table shape');
    const sameSingle = await throughput(seconds, CLIENTS, shaped(1));
    note('ceiling: 100-row INSERTs, same table shape');
    const sameBatch = await throughput(seconds, CLIENTS, shaped(BATCH));
    note('ceiling: single-row INSERTs, bare table');
    const bareSingle = await throughput(seconds, CLIENTS, bare(1));
    note('ceiling: 100-row INSERTs, bare table');
    const bareBatch = await throughput(seconds, CLIENTS, bare(BATCH));
    return {
      sameShape: { singleRowsPerSecond: sameSingle, batchRowsPerSecond: sameBatch },
      bare: { singleRowsPerSecond: bareSingle, batchRowsPerSecond: bareBatch },
    };
  } finally {
    await pool.end();
  }
}

/** A plain ordered read of every event, the same columns, in keyset pages of `batchSize`. */
export async function ceilingOrderedRead(
  url: string,
  batchSize: number,
): Promise<{ rows: number; rowsPerSecond: number }> {
  const pool = new Pool({ connectionString: url, max: 1, application_name: 'genledger-bench-ceiling' });
  try {
    note('ceiling: plain ordered SELECT of every event');
    const { result: rows, seconds } = await timed(async () => {
      let after = 0;
      let read = 0;
      for (;;) {
        const page = await pool.query(
          `SELECT ${RECORDED_COLUMNS} FROM events WHERE global_position > $1 ORDER BY global_position LIMIT $2`,
          [after, batchSize],
        );
        if (page.rows.length === 0) return read;
        read += page.rows.length;
        after = Number(page.rows[page.rows.length - 1].global_position);
      }
    });
    return { rows, rowsPerSecond: rows / seconds };
  } finally {
    await pool.end();
  }
}
