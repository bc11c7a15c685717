import { Pool } from 'pg';
import { SystemClock } from '../../src/common/clock';
import { Database } from '../../src/database/database';
import { ALL_MIGRATIONS } from '../../src/migrations';
import { AppendSignals } from '../../src/event-store/append-signals';
import { EventStore } from '../../src/event-store/event-store';
import { ProjectionRegistry } from '../../src/event-store/projection-registry';
import { streamCountProjection } from '../../test/support/stream-count-projection';
import type { ReplayProgress } from '../../src/event-store/replay';
import { seedEvents } from './seed';
import { note, throughput, timed } from './measure';

export interface AppendFigures {
  readonly singleEventsPerSecond: number;
  readonly batchEventsPerSecond: number;
}

export interface ReplayFigures {
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly matchesAfterRebuild: boolean;
}

const WRITERS = 32;
const BATCH = 100;

async function withStore<T>(url: string, work: (store: EventStore, database: Database) => Promise<T>): Promise<T> {
  const database = await Database.open({ url, migrations: ALL_MIGRATIONS, applicationName: 'genledger-bench' });
  try {
    await database.migrate();
    return await work(new EventStore(database, new SystemClock()), database);
  } finally {
    await database.close();
  }
}

/**
 * The service's own append path (EventStore.append: the expected version checked in the insert,
 * group commit), with the cross-process NOTIFY the service sends after appends.
 */
export function ourAppends(url: string, seconds: number, round: number): Promise<AppendFigures> {
  return withStore(url, async (store) => {
    const signals = new AppendSignals(store);
    await signals.start();
    try {
      const appendEach = (prefix: string, size: number) => async (writer: number, iteration: number) => {
        const events = Array.from({ length: size }, (_, k) => ({ type: 'Counted', data: { writer, iteration, k } }));
        await store.append(`${prefix}-${writer}`, events, {
          expectedVersion: iteration === 0 ? 'no_stream' : iteration * size,
        });
        return size;
      };
      note('ours: single-event appends');
      const singleEventsPerSecond = await throughput(seconds, WRITERS, appendEach(`single-${round}`, 1));
      note('ours: 100-event batch appends');
      const batchEventsPerSecond = await throughput(seconds, WRITERS, appendEach(`batch-${round}`, BATCH));
      return { singleEventsPerSecond, batchEventsPerSecond };
    } finally {
      await signals.stop();
    }
  });
}

/** Adds `count` events in SQL (see seed.ts) and refreshes the planner's statistics. */
export async function seedOurEvents(url: string, count: number): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    note(`seeding ${count.toLocaleString('en-US')} events in SQL`);
    await seedEvents(pool, count);
    await pool.query('VACUUM ANALYZE events');
  } finally {
    await pool.end();
  }
}

/** Rebuilds a simple projection over every event from zero, then verifies it. */
export function ourRebuild(
  url: string,
  batchSize: number,
  onProgress: (progress: ReplayProgress) => void,
): Promise<ReplayFigures> {
  return withStore(url, async (store) => {
    const projection = streamCountProjection({ name: 'bench_stream_counts', table: 'bench_stream_counts' });
    const registry = new ProjectionRegistry(store, [projection]);
    await registry.ensureTables();
    note('ours: rebuild from zero');
    const { result, seconds } = await timed(() => registry.rebuild(projection.name, { batchSize, onProgress }));
    const verified = await registry.verify(projection.name, { batchSize });
    return { events: result.events, eventsPerSecond: result.events / seconds, matchesAfterRebuild: verified.matches };
  });
}
