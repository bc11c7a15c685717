import type { Sql } from '../database/database';
import type { EventStore } from './event-store';
import { START, type Checkpoint, type RecordedEvent } from './event-types';
import { liveTables, rebuildTables, scratchTables, type Projection, type TableNames } from './projection';
import { createTables, diffTable, dropTables, replaceLiveRows, type RowDifference } from './projection-tables';
import { comparePositions, readCheckpoint, writeCheckpoint } from './checkpoints';

export interface ReplayProgress {
  readonly projection: string;
  readonly eventsDone: number;
  /** Events of the projection's types when the replay started; new ones may arrive meanwhile. */
  readonly eventsTotal: number;
  readonly eventsPerSecond: number;
}

export interface ReplayOptions {
  readonly batchSize?: number;
  readonly onProgress?: (progress: ReplayProgress) => void;
}

export interface RebuildResult {
  readonly name: string;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

export interface VerifyOptions extends ReplayOptions {
  /** How many differing rows to return per table and side. */
  readonly maxDifferences?: number;
}

export interface VerifyResult {
  readonly name: string;
  readonly events: number;
  readonly matches: boolean;
  /** Every differing row, counted; `differences` holds only the first ones. */
  readonly differenceCount: number;
  readonly differences: readonly RowDifference[];
}

const DEFAULT_BATCH = 2000;

/**
 * Blue/green rebuild from position zero. The new rows are built in `<table>__rebuild` in short
 * batches while the live tables keep serving (and the async runner keeps running). Then one short
 * transaction takes the live tables over: the checkpoint row FOR UPDATE for an async projection
 * (the runner waits), an EXCLUSIVE lock on the live tables for an inline one (appends that touch
 * them wait), catches the rebuild up to everything committed, moves its rows into the live tables,
 * sets the checkpoint and drops the rebuild tables.
 */
export async function rebuild(
  store: EventStore,
  projection: Projection,
  options: ReplayOptions = {},
): Promise<RebuildResult> {
  const session = await store.database.openSession();
  const lockKey = `projection-rebuild:${projection.name}`;
  try {
    if (!(await session.tryAdvisoryLock(lockKey))) {
      throw new Error(`A rebuild of projection ${projection.name} is already running`);
    }
    const target = rebuildTables(projection);
    const progress = await startProgress(store, projection, options);
    try {
      await store.database.transaction(async (tx) => {
        await dropTables(tx, target);
        await createTables(tx, projection, target);
        // Crash safety is not needed for rows that a new rebuild would make again from scratch.
        for (const physical of Object.values(target)) await tx.query(`ALTER TABLE ${physical} SET UNLOGGED`);
      });
      const built = await replayInBatches(store, projection, target, START, options, progress.add);
      await store.database.transaction(async (tx) => {
        const live = liveTables(projection);
        if (projection.kind === 'async') {
          await readCheckpoint(tx, projection.name, { lock: true });
          const head = await store.head(tx);
          await replayInTransaction(tx, store, projection, target, built, { upTo: head }, options, progress.add);
          // The runner may have been further than the bulk rebuild: the new rows reflect the later of both.
          await writeCheckpoint(tx, projection.name, comparePositions(head, built) > 0 ? head : built);
        } else {
          await tx.query(`LOCK TABLE ${Object.values(live).join(', ')} IN EXCLUSIVE MODE`);
          await replayInTransaction(
            tx,
            store,
            projection,
            target,
            built,
            { allCommitted: true },
            options,
            progress.add,
          );
        }
        await replaceLiveRows(tx, projection, target);
        await dropTables(tx, target);
      });
    } finally {
      await dropTables(store.database, target).catch(() => undefined);
    }
    return progress.result();
  } finally {
    await session.unlock(lockKey).catch(() => undefined);
    await session.close();
  }
}

/**
 * Rebuilds into temporary scratch tables and compares them with the live rows, in one transaction
 * that keeps the live state still: the checkpoint row FOR UPDATE for an async projection (the
 * scratch rows are built from zero up to exactly the live checkpoint), a SHARE lock on the live
 * tables for an inline one (writers wait; the scratch rows are built from everything committed).
 * The transaction is rolled back: verify changes nothing.
 */
export async function verify(
  store: EventStore,
  projection: Projection,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const progress = await startProgress(store, projection, options);
  const limit = options.maxDifferences ?? 20;
  const scratch = scratchTables(projection);
  let result: VerifyResult | undefined;
  await store.database
    .transaction(async (tx) => {
      let bound: { upTo?: Checkpoint; allCommitted?: boolean };
      if (projection.kind === 'async') {
        bound = { upTo: await readCheckpoint(tx, projection.name, { lock: true }) };
      } else {
        await tx.query(`LOCK TABLE ${projection.tables.map((table) => table.name).join(', ')} IN SHARE MODE`);
        bound = { allCommitted: true };
      }
      await createTables(tx, projection, scratch);
      await replayInTransaction(tx, store, projection, scratch, START, bound, options, progress.add);
      let differenceCount = 0;
      const differences: RowDifference[] = [];
      for (const table of projection.tables) {
        const diff = await diffTable(tx, table, scratch[table.name], limit);
        differenceCount += diff.total;
        differences.push(...diff.differences);
      }
      const { events } = progress.result();
      result = { name: projection.name, events, matches: differenceCount === 0, differenceCount, differences };
      throw ROLL_BACK;
    })
    .catch((error: unknown) => {
      if (error !== ROLL_BACK) throw error;
    });
  return result as VerifyResult;
}

const ROLL_BACK = Symbol('roll back verify');

/**
 * The bulk of a rebuild: one short transaction per batch, reading below the horizon of running
 * transactions. Reads run ahead of the applies (on another connection), so the database reads the
 * next batches while the current one is being applied.
 */
async function replayInBatches(
  store: EventStore,
  projection: Projection,
  tables: TableNames,
  from: Checkpoint,
  options: ReplayOptions,
  onApplied: (count: number) => void,
): Promise<Checkpoint> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const nextBatch = readAhead(
    (after) => store.readAll({ after, limit: batchSize, types: projection.eventTypes }),
    from,
    batchSize,
  );
  let reached = from;
  for (;;) {
    const batch = await nextBatch();
    if (batch.length === 0) return reached;
    await store.database.transaction((tx) => projection.apply(tx, batch, tables));
    onApplied(batch.length);
    reached = batch[batch.length - 1];
  }
}

const READ_AHEAD_BATCHES = 2;

/** Batches read one after the other from `from`, up to a few ahead of the one asked for. */
function readAhead(
  read: (after: Checkpoint) => Promise<RecordedEvent[]>,
  from: Checkpoint,
  batchSize: number,
): () => Promise<RecordedEvent[]> {
  const queue: Array<Promise<RecordedEvent[]>> = [];
  let last: Promise<RecordedEvent[]> | undefined;
  const enqueue = (batch: Promise<RecordedEvent[]>) => {
    // Awaited in turn; until then a failed read must not count as an unhandled rejection.
    batch.catch(() => undefined);
    queue.push(batch);
    last = batch;
  };
  return () => {
    while (queue.length < READ_AHEAD_BATCHES) {
      enqueue(
        last === undefined
          ? read(from)
          : last.then((previous) => (previous.length < batchSize ? [] : read(previous[previous.length - 1]))),
      );
    }
    return queue.shift() as Promise<RecordedEvent[]>;
  };
}

async function replayInTransaction(
  tx: Sql,
  store: EventStore,
  projection: Projection,
  tables: TableNames,
  from: Checkpoint,
  bound: { upTo?: Checkpoint; allCommitted?: boolean },
  options: ReplayOptions,
  onApplied: (count: number) => void,
): Promise<Checkpoint> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let reached = from;
  for (;;) {
    const batch = await store.readAll({
      ...bound,
      after: reached,
      limit: batchSize,
      types: projection.eventTypes,
      sql: tx,
    });
    if (batch.length === 0) return reached;
    await projection.apply(tx, batch, tables);
    onApplied(batch.length);
    reached = batch[batch.length - 1];
    if (batch.length < batchSize) return reached;
  }
}

async function startProgress(store: EventStore, projection: Projection, options: ReplayOptions) {
  const [row] = await store.database.query<{ total: number }>(
    'SELECT count(*)::bigint AS total FROM events WHERE type = ANY($1::text[])',
    [[...projection.eventTypes]],
  );
  const total = Number(row.total);
  const startedAt = performance.now();
  let done = 0;
  const rate = () => {
    const seconds = (performance.now() - startedAt) / 1000;
    return { seconds, eventsPerSecond: seconds > 0 ? Math.round(done / seconds) : 0 };
  };
  return {
    add(count: number): void {
      done += count;
      options.onProgress?.({
        projection: projection.name,
        eventsDone: done,
        eventsTotal: Math.max(total, done),
        eventsPerSecond: rate().eventsPerSecond,
      });
    },
    result(): RebuildResult {
      return { name: projection.name, events: done, ...rate() };
    },
  };
}
