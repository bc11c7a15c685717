import { sql } from '@event-driven-io/dumbo';
import {
  getPostgreSQLEventStore,
  PostgreSQLEventStoreDefaultStreamVersion,
  postgreSQLRawBatchSQLProjection,
  rebuildPostgreSQLProjections,
} from '@event-driven-io/emmett-postgresql';
import { Pool } from 'pg';
import type { AppendFigures } from './ours';
import { note, throughput } from './measure';

const WRITERS = 32;
const BATCH = 100;

/** Emmett's PostgreSQL event store, the same writes: appendToStream with the expected version. */
export async function emmettAppends(url: string, seconds: number): Promise<AppendFigures> {
  const store = getPostgreSQLEventStore(url);
  try {
    const appendEach = (prefix: string, size: number) => async (writer: number, iteration: number) => {
      const events = Array.from({ length: size }, (_, k) => ({
        type: 'Counted' as const,
        data: { writer, iteration, k },
      }));
      const expected = iteration === 0 ? PostgreSQLEventStoreDefaultStreamVersion : BigInt(iteration * size);
      await store.appendToStream(`${prefix}-${writer}`, events, { expectedStreamVersion: expected });
      return size;
    };
    // The first append creates Emmett's schema; keep it out of the measurement.
    await store.appendToStream('warm-up', [{ type: 'Counted', data: {} }]);
    note('emmett: single-event appends');
    const singleEventsPerSecond = await throughput(seconds, WRITERS, appendEach('single', 1));
    note('emmett: 100-event batch appends');
    const batchEventsPerSecond = await throughput(seconds, WRITERS, appendEach('batch', BATCH));
    return { singleEventsPerSecond, batchEventsPerSecond };
  } finally {
    await store.close();
  }
}

/**
 * Emmett's rebuild of the same projection (events per stream, one upsert per batch) through its
 * consumer, from the beginning of its message table, stopped after `timeboxSeconds`.
 */
export async function emmettReplay(
  url: string,
  timeboxSeconds: number,
  batchSize: number,
): Promise<{ events: number; seconds: number; eventsPerSecond: number; finished: boolean }> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    await pool.query('CREATE TABLE emmett_stream_counts (stream_id text PRIMARY KEY, events integer NOT NULL)');
  } finally {
    await pool.end();
  }
  let events = 0;
  const projection = postgreSQLRawBatchSQLProjection<{ type: 'Counted'; data: Record<string, unknown> }>({
    name: 'emmett_stream_counts',
    canHandle: ['Counted'],
    evolve: (batch) => {
      events += batch.length;
      const streams = batch.map(
        (event) => (event as unknown as { metadata: { streamName: string } }).metadata.streamName,
      );
      return [
        sql(
          `INSERT INTO emmett_stream_counts AS counts (stream_id, events)
           SELECT stream_id, count(*) FROM unnest(ARRAY[%L]::text[]) AS stream_id GROUP BY stream_id
           ON CONFLICT (stream_id) DO UPDATE SET events = counts.events + excluded.events`,
          streams,
        ),
      ];
    },
  });
  const consumer = rebuildPostgreSQLProjections({
    connectionString: url,
    projections: [projection],
    pulling: { batchSize },
  });
  note(`emmett: rebuild through its consumer (time-boxed to ${timeboxSeconds} s)`);
  const started = performance.now();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void consumer.stop();
  }, timeboxSeconds * 1000);
  try {
    await consumer.start();
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { events, seconds, eventsPerSecond: events / seconds, finished: !timedOut };
}
