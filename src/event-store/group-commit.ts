import type { Database, Sql, SqlRow } from '../database/database';
import { sqlState } from '../database/database';

/** One append as the insert statement takes it. */
export interface PendingAppend {
  readonly streamId: string;
  /** null: any version; 0: the stream must not exist yet. */
  readonly expectedVersion: number | null;
  readonly recordedAt: string;
  readonly events: ReadonlyArray<{ type: string; schemaVersion: number; data: unknown; metadata: unknown }>;
}

/**
 * The columns of a recorded event. The time travels as epoch milliseconds: turning a number into a
 * Date costs far less than the driver's parsing of timestamptz text, which dominated replays.
 */
export const RECORDED_COLUMNS = `global_position, transaction_id::text AS transaction_id, stream_id, stream_position, type,
  schema_version, data, metadata, floor(extract(epoch FROM recorded_at) * 1000)::bigint AS recorded_at_ms`;

/** What an append needs back: whole events only for inline projections, else just positions. */
const RETURNING = {
  events: RECORDED_COLUMNS,
  positions: 'stream_id, stream_position, global_position',
} as const;

export type AppendedRow = SqlRow & { stream_id: string; stream_position: number; global_position: number };

/**
 * Appends to several streams in one statement. Each stream's version is read and checked in the
 * same statement that writes its events; a stream whose expected version does not match simply
 * gets no rows back. Two writers that both pass the check for the same stream collide on the
 * unique (stream_id, stream_position) and one of them fails as a whole (23505).
 */
const insertStatement = (returning: keyof typeof RETURNING) => `
  WITH input AS (
    SELECT a.append_ord, a."streamId" AS stream_id, a."expectedVersion" AS expected_version, a."recordedAt" AS recorded_at, a.events
      FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS ("streamId" text, "expectedVersion" int, "recordedAt" timestamptz, events jsonb))
           WITH ORDINALITY AS a("streamId", "expectedVersion", "recordedAt", events, append_ord)
  ), current AS (
    SELECT input.*, coalesce((SELECT max(e.stream_position) FROM events e WHERE e.stream_id = input.stream_id), 0) AS version
      FROM input
  )
  INSERT INTO events (stream_id, stream_position, type, schema_version, data, metadata, recorded_at)
  SELECT c.stream_id, c.version + e.ord, e.type, e."schemaVersion", e.data, e.metadata, c.recorded_at
    FROM current c,
         ROWS FROM (jsonb_to_recordset(c.events) AS (type text, "schemaVersion" int, data jsonb, metadata jsonb))
           WITH ORDINALITY AS e(type, "schemaVersion", data, metadata, ord)
   WHERE c.expected_version IS NULL OR c.version = c.expected_version
   ORDER BY c.append_ord, e.ord
  RETURNING ${RETURNING[returning]}`;
const INSERT_RETURNING = { events: insertStatement('events'), positions: insertStatement('positions') };

/** Inserts the appends (one per stream) and returns the rows written for each, in input order. */
export async function insertAppends(
  sql: Sql,
  appends: readonly PendingAppend[],
  returning: keyof typeof RETURNING,
): Promise<AppendedRow[][]> {
  const rows = await sql.query<AppendedRow>(INSERT_RETURNING[returning], [JSON.stringify(appends)]);
  const byStream = new Map<string, AppendedRow[]>();
  for (const row of rows) {
    const list = byStream.get(row.stream_id) ?? [];
    list.push(row);
    byStream.set(row.stream_id, list);
  }
  return appends.map((append) => byStream.get(append.streamId) ?? []);
}

interface Waiting {
  readonly append: PendingAppend;
  /** Its events feed inline projections: the group is written in a transaction that applies them. */
  readonly inline: boolean;
  resolve(rows: AppendedRow[]): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** Groups written at the same time; each holds one pooled connection while it commits. */
  readonly maxGroupsInFlight?: number;
  readonly maxEventsPerGroup?: number;
}

/** Applies the inline projections to rows just written, in the writing transaction. */
export type InlineApplier = (tx: Sql, rows: readonly AppendedRow[]) => Promise<void>;

/**
 * Group commit for appends that need no caller transaction. Appends that arrive while earlier
 * groups are committing are written together in one statement, so many concurrent appends share
 * one commit (one WAL flush) instead of each paying for its own; a group with events for inline
 * projections is written in one transaction that also applies them to the whole group. Every
 * caller is answered only after the group committed. An idle store writes an append at once:
 * grouping adds no delay, only sharing.
 */
export class GroupCommitter {
  private readonly queue: Waiting[] = [];
  private readonly streamsInFlight = new Set<string>();
  private groupsInFlight = 0;
  private readonly maxGroupsInFlight: number;
  private readonly maxEventsPerGroup: number;

  constructor(
    private readonly database: Database,
    private readonly applyInline: InlineApplier,
    options: GroupCommitOptions = {},
  ) {
    this.maxGroupsInFlight = options.maxGroupsInFlight ?? 4;
    this.maxEventsPerGroup = options.maxEventsPerGroup ?? 1000;
  }

  /** The rows written for this append; none when its expected version did not match. */
  append(append: PendingAppend, inline = false): Promise<AppendedRow[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ append, inline, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.groupsInFlight < this.maxGroupsInFlight) {
      const group = this.takeGroup();
      if (group.length === 0) return;
      this.groupsInFlight += 1;
      for (const waiting of group) this.streamsInFlight.add(waiting.append.streamId);
      void this.write(group).finally(() => {
        this.groupsInFlight -= 1;
        for (const waiting of group) this.streamsInFlight.delete(waiting.append.streamId);
        this.pump();
      });
    }
  }

  /**
   * The oldest appends, at most one per stream and none for a stream already being written: two
   * appends to one stream in one statement (or in two concurrent ones) would collide on the
   * stream position and fail each other's whole group.
   */
  private takeGroup(): Waiting[] {
    const group: Waiting[] = [];
    const streams = new Set<string>();
    let events = 0;
    for (let index = 0; index < this.queue.length; ) {
      const waiting = this.queue[index];
      const { streamId } = waiting.append;
      const fits = group.length === 0 || events + waiting.append.events.length <= this.maxEventsPerGroup;
      if (!fits) break;
      if (streams.has(streamId) || this.streamsInFlight.has(streamId)) {
        index += 1;
        continue;
      }
      group.push(waiting);
      streams.add(streamId);
      events += waiting.append.events.length;
      this.queue.splice(index, 1);
    }
    return group;
  }

  private async write(group: readonly Waiting[]): Promise<void> {
    const inline = group.some((waiting) => waiting.inline);
    try {
      const results = await this.insert(group, inline);
      group.forEach((waiting, index) => waiting.resolve(results[index]));
    } catch (error) {
      // The database refused the group, so nothing of it was written: each append is retried alone
      // to find out which one lost a race (23505) or which one an inline projection refused.
      const refused = sqlState(error);
      if (group.length > 1 && (refused === '23505' || (inline && refused !== undefined))) {
        await Promise.all(group.map((waiting) => this.writeAlone(waiting)));
        return;
      }
      for (const waiting of group) waiting.reject(error);
    }
  }

  private insert(group: readonly Waiting[], inline: boolean): Promise<AppendedRow[][]> {
    const appends = group.map((waiting) => waiting.append);
    if (!inline) return insertAppends(this.database, appends, 'positions');
    return this.database.transaction(async (tx) => {
      const results = await insertAppends(tx, appends, 'events');
      await this.applyInline(tx, results.flat());
      return results;
    });
  }

  private async writeAlone(waiting: Waiting): Promise<void> {
    try {
      const [rows] = await this.insert([waiting], waiting.inline);
      waiting.resolve(rows);
    } catch (error) {
      waiting.reject(error);
    }
  }
}
