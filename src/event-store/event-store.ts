import type { Database, Sql, SqlRow } from '../database/database';
import { sqlState } from '../database/database';
import type { Clock } from '../common/clock';
import {
  ConcurrencyError,
  type AppendResult,
  type Checkpoint,
  type DomainEvent,
  type EventMetadata,
  type ExpectedVersion,
  type RecordedEvent,
} from './event-types';
import { UpcasterRegistry } from './upcasters';
import {
  selectAll,
  selectHead,
  selectLockedStreamAfterSnapshot,
  selectStream,
  selectStreamAfterSnapshot,
  type ReadAllOptions,
} from './event-reads';
import {
  GroupCommitter,
  insertAppends,
  type AppendedRow,
  type GroupCommitOptions,
  type PendingAppend,
} from './group-commit';

export type { ReadAllOptions } from './event-reads';

/** Rows written in the append's own transaction (read-your-writes models, STYLE.md rule 7). */
export interface InlineProjection {
  readonly name: string;
  readonly eventTypes: readonly string[];
  /** May answer with what it wrote (AppendResult.projected). */
  apply(tx: Sql, events: readonly RecordedEvent[]): Promise<unknown>;
}

export interface AppendOptions {
  readonly expectedVersion?: ExpectedVersion;
  readonly metadata?: EventMetadata;
  /** Append inside this open transaction (its inline projections too). */
  readonly tx?: Sql;
}

/**
 * The append-only store (DESIGN.md "Event store"). One statement per append: the expected version
 * is checked in the same INSERT that writes every event of the command, and the unique
 * `(stream_id, stream_position)` turns a lost race into a ConcurrencyError rather than a gap.
 * Appends outside a caller's transaction share commits with concurrent ones (group commit), their
 * inline projections applied in the same transaction.
 */
export class EventStore {
  private readonly inline: InlineProjection[] = [];
  private readonly appendListeners = new Set<() => void>();
  private readonly groupCommit: GroupCommitter;

  constructor(
    readonly database: Database,
    private readonly clock: Clock,
    readonly upcasters: UpcasterRegistry = new UpcasterRegistry(),
    groupCommit: GroupCommitOptions = {},
  ) {
    this.groupCommit = new GroupCommitter(
      database,
      (tx, rows) =>
        this.applyInline(
          tx,
          rows.map((row) => this.toRecorded(row)),
        ),
      groupCommit,
    );
  }

  registerInline(projection: InlineProjection): void {
    this.inline.push(projection);
  }

  inlineProjections(): readonly InlineProjection[] {
    return this.inline;
  }

  /**
   * Called after every committed append (used to wake async projections in this process).
   * Returns a function that removes the listener.
   */
  onAppended(listener: () => void): () => void {
    const own = () => listener();
    this.appendListeners.add(own);
    return () => {
      this.appendListeners.delete(own);
    };
  }

  async append(streamId: string, events: readonly DomainEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const projections = this.inline.filter((p) => events.some((e) => p.eventTypes.includes(e.type)));
    const expected = options.expectedVersion ?? 'any';
    const pending: PendingAppend = {
      streamId,
      expectedVersion: expected === 'any' ? null : expected === 'no_stream' ? 0 : expected,
      recordedAt: this.clock.now().toISOString(),
      events: events.map((event) => ({
        type: event.type,
        schemaVersion: this.upcasters.currentVersion(event.type),
        data: event.data,
        metadata: options.metadata ?? {},
      })),
    };
    let written: AppendedRow[];
    const projected = new Map<string, unknown>();
    if (!options.tx) {
      written = await this.catchConflict(this.groupCommit.append(pending, projections.length > 0), pending, expected);
    } else if (projections.length > 0) {
      written = await this.appendWithInline(options.tx, pending, expected, projections, projected);
    } else {
      written = await this.catchConflict(insertAppends(options.tx, [pending], 'positions'), pending, expected).then(
        ([rows]) => rows,
      );
    }
    if (written.length === 0) throw new ConcurrencyError(streamId, expected);
    if (options.tx?.afterCommit) options.tx.afterCommit(this.notifyAppended);
    else this.notifyAppended();
    return {
      nextExpectedVersion: Number(written[written.length - 1].stream_position),
      globalPositions: written.map((row) => Number(row.global_position)),
      projected,
    };
  }

  /**
   * Tells this process's listeners (async runners, the cross-replica wake-up) that a statement of
   * the caller's own committed events (see `insertIntoNewStreams`).
   */
  committedOutside(): void {
    this.notifyAppended();
  }

  /** Wakes this process's async projections once an append is committed (after its transaction). */
  private readonly notifyAppended = (): void => {
    for (const listener of this.appendListeners) listener();
  };

  /** Inline projections need the whole recorded events, so only this path reads them back. */
  private async appendWithInline(
    sql: Sql,
    pending: PendingAppend,
    expected: ExpectedVersion,
    projections: readonly InlineProjection[],
    projected: Map<string, unknown>,
  ): Promise<AppendedRow[]> {
    const [rows] = await this.catchConflict(insertAppends(sql, [pending], 'events'), pending, expected);
    await this.applyInline(
      sql,
      rows.map((row) => this.toRecorded(row)),
      projections,
      projected,
    );
    return rows;
  }

  private async applyInline(
    sql: Sql,
    recorded: readonly RecordedEvent[],
    projections: readonly InlineProjection[] = this.inline,
    projected?: Map<string, unknown>,
  ): Promise<void> {
    for (const projection of projections) {
      const relevant = recorded.filter((e) => projection.eventTypes.includes(e.type));
      if (relevant.length === 0) continue;
      const answer = await projection.apply(sql, relevant);
      if (answer !== undefined) projected?.set(projection.name, answer);
    }
  }

  private async catchConflict<T>(write: Promise<T>, pending: PendingAppend, expected: ExpectedVersion): Promise<T> {
    try {
      return await write;
    } catch (error) {
      if (sqlState(error) === '23505') throw new ConcurrencyError(pending.streamId, expected);
      throw error;
    }
  }

  /**
   * A stream's newest snapshot of the given codec version and the events after it, in one
   * statement (a command loads its state in one round trip).
   */
  async readStreamAfterSnapshot<E extends DomainEvent = DomainEvent>(
    streamId: string,
    codecVersion: number,
    sql: Sql = this.database,
  ): Promise<{ snapshot: { version: number; state: unknown } | null; events: RecordedEvent<E>[] }> {
    const { snapshot, rows } = await selectStreamAfterSnapshot(sql, streamId, codecVersion);
    return { snapshot, events: rows.map((row) => this.toRecorded(row) as RecordedEvent<E>) };
  }

  /**
   * `readStreamAfterSnapshot` after taking the stream's transaction-scoped advisory lock, in one
   * round trip; with a null codec version, the whole stream.
   */
  async lockAndReadStream<E extends DomainEvent = DomainEvent>(
    streamId: string,
    codecVersion: number | null,
    tx: Sql,
  ): Promise<{ snapshot: { version: number; state: unknown } | null; events: RecordedEvent<E>[] }> {
    const { snapshot, rows } = await selectLockedStreamAfterSnapshot(tx, streamId, codecVersion);
    return { snapshot, events: rows.map((row) => this.toRecorded(row) as RecordedEvent<E>) };
  }

  async readStream<E extends DomainEvent = DomainEvent>(
    streamId: string,
    options: { from?: number; sql?: Sql; until?: Date } = {},
  ): Promise<RecordedEvent<E>[]> {
    const rows = await selectStream(options.sql ?? this.database, streamId, options.from ?? 1, options.until);
    return rows.map((row) => this.toRecorded(row) as RecordedEvent<E>);
  }

  /** Every event after `after` in commit-safe order (see `selectAll`). */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const rows = await selectAll(options.sql ?? this.database, options);
    return rows.map((row) => this.toRecorded(row));
  }

  /** The newest position an async reader can safely reach now. */
  head(sql: Sql = this.database): Promise<Checkpoint> {
    return selectHead(sql);
  }

  private toRecorded(row: SqlRow): RecordedEvent {
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
      recordedAt: new Date(Number(row.recorded_at_ms)),
    };
  }
}

/**
 * The first event of each of several new streams, from `source` (a relation with `ord`, `stream_id`,
 * `type`, `schema_version`, `data`, `metadata` and `recorded_at`), for a statement that appends
 * along with writes of its own and then calls `committedOutside`. A stream that exists already
 * fails the whole statement (unique position 1), as a lost race on a new stream does.
 */
export function insertIntoNewStreams(source: string): string {
  return `INSERT INTO events (stream_id, stream_position, type, schema_version, data, metadata, recorded_at)
    SELECT stream_id, 1, type, schema_version, data, metadata, recorded_at FROM ${source} ORDER BY ord
    RETURNING stream_id, global_position`;
}
