import type { Sql, SqlRow } from '../database/database';
import { START, type Checkpoint } from './event-types';
import { RECORDED_COLUMNS } from './group-commit';

/** The statements that read the events table; EventStore turns their rows into recorded events. */

export interface ReadAllOptions {
  readonly after?: Checkpoint;
  readonly limit?: number;
  readonly upTo?: Checkpoint;
  readonly types?: readonly string[];
  readonly sql?: Sql;
  readonly allCommitted?: boolean;
}

type SnapshotRead = { snapshot: { version: number; state: unknown } | null; rows: SqlRow[] };

/** A stream's newest snapshot of the codec version and the rows of the events after it, in one statement. */
export async function selectStreamAfterSnapshot(
  sql: Sql,
  streamId: string,
  codecVersion: number,
): Promise<SnapshotRead> {
  const rows = await sql.query(
    `SELECT s.stream_version AS snapshot_version,
            CASE WHEN row_number() OVER (ORDER BY e.stream_position) = 1 THEN s.state END AS snapshot_state, e.*
       FROM (SELECT 1) AS one
       LEFT JOIN stream_snapshots s ON s.stream_id = $1 AND s.codec_version = $2
       LEFT JOIN LATERAL (
         SELECT ${RECORDED_COLUMNS} FROM events
          WHERE stream_id = $1 AND stream_position > coalesce(s.stream_version, 0)
          ORDER BY stream_position) e ON true
      ORDER BY e.stream_position`,
    [streamId, codecVersion],
  );
  return snapshotRead(rows);
}

/**
 * The same read under the stream's transaction-scoped advisory lock, taken first, in one round trip
 * (the `locked_stream_after_snapshot` function: the read starts once the lock is held). Without a
 * codec version no snapshot matches and every event is read.
 */
export async function selectLockedStreamAfterSnapshot(
  tx: Sql,
  streamId: string,
  codecVersion: number | null,
): Promise<SnapshotRead> {
  return snapshotRead(await tx.query('SELECT * FROM locked_stream_after_snapshot($1, $2)', [streamId, codecVersion]));
}

function snapshotRead(rows: SqlRow[]): SnapshotRead {
  const first = rows[0];
  const snapshot =
    first && first.snapshot_version !== null
      ? { version: Number(first.snapshot_version), state: first.snapshot_state }
      : null;
  return { snapshot, rows: rows.filter((row) => row.global_position !== null) };
}

export function selectStream(sql: Sql, streamId: string, from: number, until?: Date): Promise<SqlRow[]> {
  return sql.query(
    `SELECT ${RECORDED_COLUMNS} FROM events
      WHERE stream_id = $1 AND stream_position >= $2 AND ($3::timestamptz IS NULL OR recorded_at <= $3::timestamptz)
      ORDER BY stream_position`,
    [streamId, from, until?.toISOString() ?? null],
  );
}

/**
 * Every event after `after` in commit-safe order. Only rows whose transaction is older than the
 * oldest one still running are returned, ordered by (transaction id, global position): an event
 * whose transaction commits late cannot be skipped by a reader that already moved past a later
 * position (Emmett's fix for out-of-order commits).
 *
 * `allCommitted` drops that horizon and returns every committed row. It is only safe for a caller
 * that holds a lock keeping out every writer of what it builds (an inline projection's tables,
 * locked while a rebuild catches up); anyone else could skip an event that commits later.
 */
export function selectAll(sql: Sql, options: ReadAllOptions): Promise<SqlRow[]> {
  const after = options.after ?? START;
  const upTo = options.upTo;
  return sql.query(
    `SELECT ${RECORDED_COLUMNS} FROM events
      WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
        AND ($7::boolean OR transaction_id < pg_snapshot_xmin(pg_current_snapshot()))
        AND ($4::text IS NULL OR (transaction_id, global_position) <= ($4::text::xid8, $5::bigint))
        AND ($6::text[] IS NULL OR type = ANY($6::text[]))
      -- qualified: the text output column of the same name would sort '999' after '1000'
      ORDER BY events.transaction_id, global_position
      LIMIT $3`,
    [
      after.transactionId,
      after.globalPosition,
      options.limit ?? 1000,
      upTo?.transactionId ?? null,
      upTo?.globalPosition ?? 0,
      options.types ? [...options.types] : null,
      options.allCommitted === true,
    ],
  );
}

/** The newest position an async reader can safely reach now. */
export async function selectHead(sql: Sql): Promise<Checkpoint> {
  const rows = await sql.query<{ transaction_id: string; global_position: number }>(
    `SELECT transaction_id::text AS transaction_id, global_position FROM events
      WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY events.transaction_id DESC, global_position DESC LIMIT 1`,
  );
  const row = rows[0];
  return row ? { transactionId: row.transaction_id, globalPosition: Number(row.global_position) } : START;
}
