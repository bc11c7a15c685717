import type { Sql } from '../database/database';
import type { EventStore } from './event-store';
import type { Checkpoint } from './event-types';
import type { Projection, TableNames } from './projection';

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

export const DEFAULT_BATCH = 2000;

/** Replays into `tables` inside `tx`, in batches, from `from` up to the bound; returns the position reached. */
export async function replayInTransaction(
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

/** Counts what a replay applies and reports it to `onProgress`. */
export async function startProgress(store: EventStore, projection: Projection, options: ReplayOptions) {
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
