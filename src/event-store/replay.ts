import type { EventStore } from './event-store';
import { START, type Checkpoint, type RecordedEvent } from './event-types';
import { liveTables, rebuildTables, type Projection, type TableNames } from './projection';
import { createTables, dropTables, replaceLiveRows } from './projection-tables';
import { comparePositions, readCheckpoint, writeCheckpoint } from './checkpoints';
import {
  DEFAULT_BATCH,
  replayInTransaction,
  startProgress,
  type RebuildResult,
  type ReplayOptions,
} from './replay-steps';

export type { RebuildResult, ReplayOptions, ReplayProgress } from './replay-steps';
export { verify, type VerifyOptions, type VerifyResult } from './verify';

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
