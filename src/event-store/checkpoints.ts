import type { Sql } from '../database/database';
import { START, type Checkpoint } from './event-types';

/**
 * A projection's checkpoint row. Locking it FOR UPDATE is how every writer of an async
 * projection's tables (its runner, a rebuild's swap, a verify) takes turns: whoever holds the row
 * owns the live tables until it commits.
 */
export async function readCheckpoint(
  sql: Sql,
  projection: string,
  options: { lock: boolean; ensureRow?: boolean },
): Promise<Checkpoint> {
  // The row must exist to be locked; a runner that already saw it skips the insert.
  if (options.ensureRow ?? options.lock) {
    await sql.query('INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [
      projection,
    ]);
  }
  const [row] = await sql.query<{ transaction_id: string; global_position: number }>(
    `SELECT last_transaction_id::text AS transaction_id, last_global_position AS global_position
       FROM projection_checkpoints WHERE name = $1 ${options.lock ? 'FOR UPDATE' : ''}`,
    [projection],
  );
  return row ? { transactionId: row.transaction_id, globalPosition: Number(row.global_position) } : START;
}

export async function writeCheckpoint(sql: Sql, projection: string, checkpoint: Checkpoint): Promise<void> {
  await sql.query(
    `UPDATE projection_checkpoints
        SET last_transaction_id = $2::text::xid8, last_global_position = $3, updated_at = now()
      WHERE name = $1`,
    [projection, checkpoint.transactionId, checkpoint.globalPosition],
  );
}

/** Orders positions as readers follow them: by transaction id (a 64-bit number), then global position. */
export function comparePositions(a: Checkpoint, b: Checkpoint): number {
  const byTransaction = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (byTransaction !== 0n) return byTransaction > 0n ? 1 : -1;
  return a.globalPosition - b.globalPosition;
}

/**
 * How many events a projection's shared checkpoint is behind the newest safely readable event,
 * counted exactly up to `cap` (then `cap` is returned): the count walks the (transaction id,
 * global position) index from the checkpoint, so it stays cheap however far behind it is.
 */
export async function eventsBehind(sql: Sql, projection: string, cap: number): Promise<number> {
  const [row] = await sql.query<{ behind: number }>(
    `SELECT count(*)::int AS behind FROM (
       SELECT 1 FROM events
        WHERE (transaction_id, global_position) > (
                coalesce((SELECT last_transaction_id FROM projection_checkpoints WHERE name = $1), '0'::xid8),
                coalesce((SELECT last_global_position FROM projection_checkpoints WHERE name = $1), 0))
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        LIMIT $2) behind`,
    [projection, cap],
  );
  return Number(row.behind);
}
