import type { Sql } from '../database/database';
import type { EventStore } from './event-store';
import { START, type Checkpoint } from './event-types';
import type { Projection, TableNames } from './projection';
import { readCheckpoint, writeCheckpoint } from './checkpoints';

/** After a batch: a full one (read on), nothing left, or committed events above the horizon of running transactions. */
export type NextStep = 'more' | 'caught-up' | 'held-back';

/**
 * One batch of an async projection inside `tx`: locks the checkpoint row FOR UPDATE, applies the
 * events after it up to the safe head, and moves the checkpoint, so two runners that overlap
 * cannot apply an event twice.
 */
export async function applyBatch(
  tx: Sql,
  store: EventStore,
  projection: Projection,
  tables: TableNames,
  options: { batchSize: number; ensureCheckpointRow: boolean },
): Promise<NextStep> {
  const checkpoint = await readCheckpoint(tx, projection.name, { lock: true, ensureRow: options.ensureCheckpointRow });
  const head = await store.head(tx);
  const events = await store.readAll({
    after: checkpoint,
    upTo: head,
    limit: options.batchSize,
    types: projection.eventTypes,
    sql: tx,
  });
  if (events.length > 0) await projection.apply(tx, events, tables);
  const full = events.length === options.batchSize;
  // A partial batch holds every relevant event up to the head: skip the irrelevant ones too.
  const reached: Checkpoint = full ? events[events.length - 1] : head;
  if (!samePosition(reached, checkpoint) && !samePosition(reached, START)) {
    await writeCheckpoint(tx, projection.name, reached);
  }
  if (full) return 'more';
  const [beyond] = await tx.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM events WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)) AS held`,
    [head.transactionId, head.globalPosition],
  );
  return beyond.held ? 'held-back' : 'caught-up';
}

function samePosition(a: Checkpoint, b: Checkpoint): boolean {
  return a.transactionId === b.transactionId && a.globalPosition === b.globalPosition;
}
