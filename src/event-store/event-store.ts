import type { Database, Sql } from '../database/database';
import { sqlState } from '../database/database';
import type { Clock } from '../common/clock';
import {
  ConcurrencyError,
  START,
  type AppendResult,
  type Checkpoint,
  type DomainEvent,
  type EventMetadata,
  type ExpectedVersion,
  type RecordedEvent,
} from './event-types';
import { UpcasterRegistry } from './upcasters';

/** Rows written in the append's own transaction (read-your-writes models, STYLE.md rule 7). */
export interface InlineProjection {
  readonly name: string;
  readonly eventTypes: readonly string[];
  apply(tx: Sql, events: readonly RecordedEvent[]): Promise<void>;
}

export interface AppendOptions {
  readonly expectedVersion?: ExpectedVersion;
  readonly metadata?: EventMetadata;
  /** Append inside this open transaction (its inline projections too). */
  readonly tx?: Sql;
}

const COLUMNS = `global_position, transaction_id::text AS transaction_id, stream_id, stream_position, type,
  schema_version, data, metadata, recorded_at`;

/**
 * The append-only store (DESIGN.md "Event store"). One statement per append: the expected version
 * is checked in the same INSERT that writes every event of the command, and the unique
 * `(stream_id, stream_position)` turns a lost race into a ConcurrencyError rather than a gap.
 */
export class EventStore {
  private readonly inline: InlineProjection[] = [];
  private readonly appendListeners: Array<() => void> = [];

  constructor(
    readonly database: Database,
    private readonly clock: Clock,
    readonly upcasters: UpcasterRegistry = new UpcasterRegistry(),
  ) {}

  registerInline(projection: InlineProjection): void {
    this.inline.push(projection);
  }

  inlineProjections(): readonly InlineProjection[] {
    return this.inline;
  }

  /** Called after every committed append (used to wake async projections in this process). */
  onAppended(listener: () => void): void {
    this.appendListeners.push(listener);
  }

  async append(streamId: string, events: readonly DomainEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const projections = this.inline.filter((p) => events.some((e) => p.eventTypes.includes(e.type)));
    let result: AppendResult;
    if (options.tx) {
      result = await this.appendOn(options.tx, streamId, events, options, projections);
    } else if (projections.length === 0) {
      result = await this.appendOn(this.database, streamId, events, options, projections);
    } else {
      result = await this.database.transaction((tx) => this.appendOn(tx, streamId, events, options, projections));
    }
    if (!options.tx) this.notifyAppended();
    return result;
  }

  /** For callers that appended inside their own transaction: call after it committed. */
  notifyAppended(): void {
    for (const listener of this.appendListeners) listener();
  }

  private async appendOn(
    sql: Sql,
    streamId: string,
    events: readonly DomainEvent[],
    options: AppendOptions,
    projections: readonly InlineProjection[],
  ): Promise<AppendResult> {
    const expected = options.expectedVersion ?? 'any';
    const expectedNumber = expected === 'any' ? null : expected === 'no_stream' ? 0 : expected;
    const payload = events.map((event) => ({
      type: event.type,
      schemaVersion: this.upcasters.currentVersion(event.type),
      data: event.data,
      metadata: options.metadata ?? {},
    }));
    let rows: Array<Record<string, any>>;
    try {
      rows = await sql.query(
        `INSERT INTO events (stream_id, stream_position, type, schema_version, data, metadata, recorded_at)
         SELECT $1, current.version + e.ord, e.value->>'type', (e.value->>'schemaVersion')::int,
                e.value->'data', e.value->'metadata', $3::timestamptz
           FROM (SELECT coalesce(max(stream_position), 0) AS version FROM events WHERE stream_id = $1) current,
                jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(value, ord)
          WHERE $4::int IS NULL OR current.version = $4::int
         RETURNING ${COLUMNS}`,
        [streamId, JSON.stringify(payload), this.clock.now().toISOString(), expectedNumber],
      );
    } catch (error) {
      if (sqlState(error) === '23505') throw new ConcurrencyError(streamId, expected);
      throw error;
    }
    if (rows.length === 0) throw new ConcurrencyError(streamId, expected);
    const recorded = rows.map((row) => this.toRecorded(row));
    for (const projection of projections) {
      const relevant = recorded.filter((e) => projection.eventTypes.includes(e.type));
      if (relevant.length > 0) await projection.apply(sql, relevant);
    }
    return {
      nextExpectedVersion: recorded[recorded.length - 1].streamPosition,
      globalPositions: recorded.map((e) => e.globalPosition),
    };
  }

  async readStream<E extends DomainEvent = DomainEvent>(
    streamId: string,
    options: { from?: number; sql?: Sql; until?: Date } = {},
  ): Promise<RecordedEvent<E>[]> {
    const rows = await (options.sql ?? this.database).query(
      `SELECT ${COLUMNS} FROM events
        WHERE stream_id = $1 AND stream_position >= $2 AND ($3::timestamptz IS NULL OR recorded_at <= $3::timestamptz)
        ORDER BY stream_position`,
      [streamId, options.from ?? 1, options.until?.toISOString() ?? null],
    );
    return rows.map((row) => this.toRecorded(row) as RecordedEvent<E>);
  }

  /**
   * Every event after `after` in commit-safe order. Only rows whose transaction is older than the
   * oldest one still running are returned, ordered by (transaction id, global position): an event
   * whose transaction commits late cannot be skipped by a reader that already moved past a later
   * position (Emmett's fix for out-of-order commits).
   */
  async readAll(
    options: { after?: Checkpoint; limit?: number; upTo?: Checkpoint; types?: readonly string[]; sql?: Sql } = {},
  ): Promise<RecordedEvent[]> {
    const after = options.after ?? START;
    const upTo = options.upTo;
    const rows = await (options.sql ?? this.database).query(
      `SELECT ${COLUMNS} FROM events
        WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          AND ($4::text IS NULL OR (transaction_id, global_position) <= ($4::text::xid8, $5::bigint))
          AND ($6::text[] IS NULL OR type = ANY($6::text[]))
        ORDER BY transaction_id, global_position
        LIMIT $3`,
      [
        after.transactionId,
        after.globalPosition,
        options.limit ?? 1000,
        upTo?.transactionId ?? null,
        upTo?.globalPosition ?? 0,
        options.types ? [...options.types] : null,
      ],
    );
    return rows.map((row) => this.toRecorded(row));
  }

  /** The newest position an async reader can safely reach now. */
  async head(sql: Sql = this.database): Promise<Checkpoint> {
    const rows = await sql.query<{ transaction_id: string; global_position: number }>(
      `SELECT transaction_id::text AS transaction_id, global_position FROM events
        WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    const row = rows[0];
    return row ? { transactionId: row.transaction_id, globalPosition: Number(row.global_position) } : START;
  }

  private toRecorded(row: Record<string, any>): RecordedEvent {
    const { version, data } = this.upcasters.upcast(row.type, Number(row.schema_version), row.data);
    return {
      globalPosition: Number(row.global_position),
      transactionId: String(row.transaction_id),
      streamId: row.stream_id,
      streamPosition: Number(row.stream_position),
      type: row.type,
      schemaVersion: version,
      data,
      metadata: row.metadata ?? {},
      recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
    };
  }
}
