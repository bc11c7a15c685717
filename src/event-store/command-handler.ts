import type { Sql } from '../database/database';
import type { DomainEvent, EventMetadata, RecordedEvent } from './event-types';
import { ConcurrencyError } from './event-types';
import type { EventStore } from './event-store';
import type { Decider } from './decider';

export type { Decider } from './decider';

/** How a decider's state is kept between commands, so a long stream is not folded every time. */
export interface SnapshotCodec<State> {
  /** Bump when the state's shape changes: older snapshots are then ignored and rebuilt. */
  readonly version: number;
  serialize(state: State): unknown;
  deserialize(json: unknown): State;
}

export interface HandleOptions<State, Event extends DomainEvent = DomainEvent> {
  readonly metadata?: EventMetadata;
  readonly snapshot?: SnapshotCodec<State>;
  /**
   * Serialise deciders of this stream with a transaction-scoped advisory lock instead of racing
   * and retrying: for hot streams (an account under a burst, the monthly budget) where optimistic
   * retries would mostly fail. The expected-version check still guards the append.
   */
  readonly lockStream?: boolean;
  /** Attempts on a concurrency conflict when the pipeline owns its transaction (default 8). */
  readonly maxAttempts?: number;
  /**
   * Run once inside this open transaction: the caller commits, and a conflict is the caller's to
   * retry (its other statements in the transaction would have to run again too).
   */
  readonly tx?: Sql;
  /**
   * The caller has just named this stream (a fresh id): its state is the decider's initial one and
   * nothing is read. The append still expects no stream, so a clash fails as a conflict.
   */
  readonly newStream?: boolean;
  /**
   * With `tx`: statements that belong before this append in the caller's transaction, given the
   * events the decider chose. Rows the append's inline projections lock are then held for less
   * time (from the projection's statement to the commit), since nothing else runs in between.
   */
  readonly beforeAppend?: (newEvents: readonly Event[]) => Promise<void>;
  /**
   * The stream's state and version as this process's last command on it left them: nothing is
   * read. The append still expects that version, so a stream changed meanwhile (by another
   * replica or a job) fails as a conflict, for the caller to decide again with a read. Not for
   * locked streams, whose lock is taken by their read.
   */
  readonly known?: { readonly state: State; readonly version: number };
}

export interface HandleResult<State, Event extends DomainEvent> {
  readonly state: State;
  readonly newEvents: readonly Event[];
  readonly version: number;
  /** What inline projections answered to the append (empty when nothing was appended). */
  readonly projected: ReadonlyMap<string, unknown>;
}

/**
 * The one command pipeline (STYLE.md rule 6): optional stream lock -> load -> decide -> append
 * with the expected version the decider's state was loaded at. Listeners hear of the append once
 * its transaction has committed (EventStore.append defers them to the commit).
 *
 * With `tx` the pipeline runs once in the caller's transaction. Without it the pipeline retries a
 * bounded number of times on a concurrency conflict, each attempt reading the stream again: in a
 * transaction of its own when the stream is locked or snapshotted, otherwise by reading the stream
 * outside any transaction and handing the append to the store's group commit (the expected
 * version guards it the same way, and concurrent appends share one commit).
 */
export async function handleCommand<State, Command, Event extends DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Decider<State, Command, Event>,
  command: Command,
  options: HandleOptions<State, Event> = {},
): Promise<HandleResult<State, Event>> {
  if (options.tx) return decideAndAppend(store, options.tx, streamId, decider, command, options);
  const grouped = !options.lockStream && !options.snapshot;
  const once = (attempt: HandleOptions<State, Event>) =>
    grouped
      ? decideAndAppend(store, undefined, streamId, decider, command, attempt)
      : store.database.transaction((tx) => decideAndAppend(store, tx, streamId, decider, command, attempt));
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      // A known state that lost a race is stale: the attempts after it read the stream.
      return await once(attempt === 1 ? options : { ...options, known: undefined });
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= maxAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

async function decideAndAppend<State, Command, Event extends DomainEvent>(
  store: EventStore,
  tx: Sql | undefined,
  streamId: string,
  decider: Decider<State, Command, Event>,
  command: Command,
  options: HandleOptions<State, Event>,
): Promise<HandleResult<State, Event>> {
  const locked = options.lockStream === true && tx !== undefined;
  // A locked stream's read takes the lock in its own round trip; a new stream is not read.
  if (options.lockStream && tx && options.newStream) {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [streamId]);
  }
  const {
    state: loaded,
    version,
    snapshotVersion,
  } = options.newStream
    ? { state: decider.initialState(), version: 0, snapshotVersion: 0 }
    : options.known && !options.lockStream
      ? { ...options.known, snapshotVersion: options.known.version }
      : await loadState(store, tx ?? store.database, streamId, decider, options.snapshot, locked);
  const newEvents = decider.decide(command, loaded);
  if (newEvents.length === 0) return { state: loaded, newEvents, version, projected: new Map() };
  if (tx) await options.beforeAppend?.(newEvents);
  const appended = await store.append(streamId, newEvents, {
    expectedVersion: version === 0 ? 'no_stream' : version,
    metadata: options.metadata,
    tx,
  });
  const state = newEvents.reduce(decider.evolve, loaded);
  if (tx && options.snapshot && appended.nextExpectedVersion - snapshotVersion >= SNAPSHOT_EVERY) {
    await saveSnapshot(tx, streamId, appended.nextExpectedVersion, state, options.snapshot);
  }
  return { state, newEvents, version: appended.nextExpectedVersion, projected: appended.projected };
}

/**
 * A snapshot is written once this many events have gathered after the last one: a command then
 * folds at most this many, and most commands write nothing but their events.
 */
const SNAPSHOT_EVERY = 16;

/** The current state of a stream: the newest usable snapshot plus the events after it. */
export async function loadState<State, Event extends DomainEvent>(
  store: EventStore,
  sql: Sql,
  streamId: string,
  decider: Pick<Decider<State, unknown, Event>, 'evolve' | 'initialState'>,
  snapshot?: SnapshotCodec<State>,
  lock = false,
): Promise<{ state: State; version: number; snapshotVersion: number }> {
  let state = decider.initialState();
  let version = 0;
  let read: { snapshot: { version: number; state: unknown } | null; events: RecordedEvent<Event>[] };
  if (lock) read = await store.lockAndReadStream<Event>(streamId, snapshot?.version ?? null, sql);
  else if (snapshot) read = await store.readStreamAfterSnapshot<Event>(streamId, snapshot.version, sql);
  else read = { snapshot: null, events: await store.readStream<Event>(streamId, { sql }) };
  if (snapshot && read.snapshot) {
    state = snapshot.deserialize(read.snapshot.state);
    version = read.snapshot.version;
  }
  const events = read.events;
  const snapshotVersion = version;
  for (const event of events) {
    state = decider.evolve(state, { type: event.type, data: event.data } as Event);
    version = event.streamPosition;
  }
  return { state, version, snapshotVersion };
}

async function saveSnapshot<State>(
  tx: Sql,
  streamId: string,
  version: number,
  state: State,
  codec: SnapshotCodec<State>,
): Promise<void> {
  await tx.query(
    `INSERT INTO stream_snapshots (stream_id, stream_version, codec_version, state)
     VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (stream_id) DO UPDATE
       SET stream_version = excluded.stream_version, codec_version = excluded.codec_version, state = excluded.state
     WHERE stream_snapshots.stream_version < excluded.stream_version`,
    [streamId, version, codec.version, JSON.stringify(codec.serialize(state))],
  );
}
