import { FakeClock } from '../common/clock';
import type { Database } from '../database/database';
import { openTestDatabase } from '../../test/support/test-app';
import { AsyncProjectionRunner } from './async-projection-runner';
import { EventStore } from './event-store';
import type { Projection } from './projection';
import { ProjectionRegistry } from './projection-registry';
import { streamCountProjection } from '../../test/support/stream-count-projection';
import { waitUntilCaughtUp } from '../../test/support/wait-until-caught-up';

const counted = (n: number) => ({ type: 'Counted', data: { n } });

/** What the projection must hold: computed straight from the events table. */
async function expectedCounts(database: Database, type: string): Promise<Array<Record<string, unknown>>> {
  return database.query(
    `SELECT stream_id, count(*)::int AS events, max(global_position) AS last_global_position
       FROM events WHERE type = $1 GROUP BY stream_id ORDER BY stream_id`,
    [type],
  );
}

async function rows(database: Database, table: string): Promise<Array<Record<string, unknown>>> {
  return database.query(`SELECT stream_id, events, last_global_position FROM ${table} ORDER BY stream_id`);
}

describe.each([
  ['PostgreSQL when available', false],
  ['the embedded database', true],
])('projection replay on %s: blue/green rebuild and verify', (_label, embedded) => {
  let database: Database;
  let store: EventStore;
  let registry: ProjectionRegistry;
  let runner: AsyncProjectionRunner;
  const asyncCounts = streamCountProjection({ name: 'async_counts', table: 'async_counts', eventTypes: ['Counted'] });
  const inlineCounts = streamCountProjection({
    name: 'inline_counts',
    kind: 'inline',
    table: 'inline_counts',
    eventTypes: ['Tallied'],
  });

  beforeAll(async () => {
    database = await openTestDatabase({ label: 'replay', embedded });
    await database.migrate();
    store = new EventStore(database, new FakeClock());
    registry = new ProjectionRegistry(store, [asyncCounts, inlineCounts]);
    await registry.ensureTables();
    runner = new AsyncProjectionRunner(store, asyncCounts, { batchSize: 50, pollIntervalMs: 50 });
    runner.start();
  });
  afterAll(async () => {
    await runner.stop();
    await database.close();
  });

  async function appendMany(prefix: string, type: string, streams: number, perStream: number): Promise<void> {
    for (let round = 0; round < perStream; round++) {
      await Promise.all(
        Array.from({ length: streams }, (_, s) => store.append(`${prefix}-${s}`, [{ type, data: { round } }])),
      );
    }
  }

  it('rebuilds an async projection from zero into exactly the rows the runner built live', async () => {
    await appendMany('steady', 'Counted', 20, 15);
    await waitUntilCaughtUp(runner);
    const live = await rows(database, 'async_counts');
    expect(live).toEqual(await expectedCounts(database, 'Counted'));
    await expect(registry.verify('async_counts')).resolves.toMatchObject({
      matches: true,
      differenceCount: 0,
      events: 300,
    });

    const progress: number[] = [];
    const result = await registry.rebuild('async_counts', {
      batchSize: 64,
      onProgress: (p) => progress.push(p.eventsDone),
    });
    expect(result.events).toBeGreaterThanOrEqual(300);
    expect(progress.length).toBeGreaterThan(3);
    expect(await rows(database, 'async_counts')).toEqual(live);
    const [leftover] = await database.query(`SELECT to_regclass('async_counts__rebuild') AS t`);
    expect(leftover.t).toBeNull();
  });

  it('ends equal to a from-zero replay when a rebuild runs while events keep arriving', async () => {
    let appending = true;
    const writer = (async () => {
      for (let round = 0; appending || round < 5; round++) {
        await Promise.all(Array.from({ length: 8 }, (_, s) => store.append(`busy-${s}`, [counted(round)])));
        await store.append(`busy-tally-${round % 4}`, [{ type: 'Tallied', data: { round } }]);
      }
    })();
    await appendMany('before', 'Counted', 10, 20);
    await registry.rebuild('async_counts', { batchSize: 25 });
    await registry.rebuild('inline_counts', { batchSize: 3 });
    appending = false;
    await writer;
    await waitUntilCaughtUp(runner);

    expect(await rows(database, 'async_counts')).toEqual(await expectedCounts(database, 'Counted'));
    expect(await rows(database, 'inline_counts')).toEqual(await expectedCounts(database, 'Tallied'));
    await expect(registry.verify('async_counts')).resolves.toMatchObject({ matches: true });
    await expect(registry.verify('inline_counts')).resolves.toMatchObject({ matches: true });
  });

  it('reports a live row that was changed behind its back, on both sides, and changes nothing', async () => {
    await store.append('corrupt-me', [
      { type: 'Tallied', data: {} },
      { type: 'Tallied', data: {} },
    ]);
    const [truth] = await database.query(`SELECT * FROM inline_counts WHERE stream_id = 'corrupt-me'`);
    expect(truth.events).toBe(2);
    await database.query(`UPDATE inline_counts SET events = 99 WHERE stream_id = 'corrupt-me'`);

    const result = await registry.verify('inline_counts');
    expect(result.matches).toBe(false);
    expect(result.differenceCount).toBe(2);
    expect(result.differences).toEqual([
      { table: 'inline_counts', side: 'live-only', row: { ...truth, events: 99 } },
      { table: 'inline_counts', side: 'rebuilt-only', row: truth },
    ]);
    const [after] = await database.query(`SELECT events FROM inline_counts WHERE stream_id = 'corrupt-me'`);
    expect(after.events).toBe(99);

    await registry.rebuild('inline_counts');
    await expect(registry.verify('inline_counts')).resolves.toMatchObject({ matches: true });
  });

  it('reports a row the async runner never wrote and one it should not have', async () => {
    await waitUntilCaughtUp(runner);
    await database.transaction(async (tx) => {
      await tx.query(`SELECT * FROM projection_checkpoints WHERE name = 'async_counts' FOR UPDATE`);
      await tx.query(`DELETE FROM async_counts WHERE stream_id = 'steady-0'`);
      await tx.query(`INSERT INTO async_counts VALUES ('ghost', 1, 1)`);
    });
    const result = await registry.verify('async_counts', { maxDifferences: 5 });
    expect(result.matches).toBe(false);
    expect(result.differences.map((d) => [d.side, d.row.stream_id])).toEqual([
      ['live-only', 'ghost'],
      ['rebuilt-only', 'steady-0'],
    ]);
    await registry.rebuild('async_counts');
    await expect(registry.verify('async_counts')).resolves.toMatchObject({ matches: true });
  });

  it('refuses unknown projections and misnamed tables with clear messages', async () => {
    expect(() => registry.get('nope')).toThrow('Unknown projection "nope"; known: async_counts, inline_counts');
    const bad: Projection = { ...asyncCounts, name: 'bad', tables: [{ ...asyncCounts.tables[0], name: 'Bad-Name' }] };
    expect(() => new ProjectionRegistry(store, [bad])).toThrow(
      'table name "Bad-Name" must be lower-case letters, digits and _',
    );
  });
});
