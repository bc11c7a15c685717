import { FakeClock } from '../common/clock';
import { Database } from '../database/database';
import { ALL_MIGRATIONS } from '../migrations';
import { openTestDatabase } from '../../test/support/test-app';
import { createTestDatabase, describePostgres } from '../../test/support/test-database';
import { AppendSignals } from './append-signals';
import { AsyncProjectionRunner } from './async-projection-runner';
import { EventStore } from './event-store';
import type { Projection } from './projection';
import { ProjectionRegistry } from './projection-registry';
import { streamCountProjection } from '../../test/support/stream-count-projection';
import { waitUntilCaughtUp } from '../../test/support/wait-until-caught-up';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The same projection, counting how often this replica applied a batch. */
function counting(projection: Projection): { projection: Projection; batches: () => number } {
  let batches = 0;
  return {
    projection: {
      ...projection,
      apply: async (tx, events, tables) => {
        batches += 1;
        await projection.apply(tx, events, tables);
      },
    },
    batches: () => batches,
  };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(25);
  }
  return Date.now() - started;
}

const counts = streamCountProjection({ name: 'replicated_counts', table: 'replicated_counts' });

describePostgres('async projection runners in two service processes on one PostgreSQL database', () => {
  let url: string;
  let replicaA: Database;
  let replicaB: Database;
  let storeA: EventStore;
  let storeB: EventStore;
  let signalsA: AppendSignals;
  let signalsB: AppendSignals;

  beforeAll(async () => {
    url = await createTestDatabase('replicas');
    replicaA = await Database.open({ url, migrations: ALL_MIGRATIONS, applicationName: 'replica-a' });
    replicaB = await Database.open({ url, migrations: ALL_MIGRATIONS, applicationName: 'replica-b' });
    await replicaA.migrate();
    storeA = new EventStore(replicaA, new FakeClock());
    storeB = new EventStore(replicaB, new FakeClock());
    await new ProjectionRegistry(storeA, [counts]).ensureTables();
    signalsA = new AppendSignals(storeA);
    signalsB = new AppendSignals(storeB);
    await Promise.all([signalsA.start(), signalsB.start()]);
  });
  afterAll(async () => {
    await Promise.all([signalsA.stop(), signalsB.stop()]);
    await Promise.all([replicaA.close(), replicaB.close()]);
  });

  it('runs one leader at a time, hands over within seconds when it dies, and applies every event exactly once', async () => {
    const a = counting(counts);
    const b = counting(counts);
    // A long poll interval: the leader must be woken by the other process's NOTIFY, not by polling.
    const options = { batchSize: 40, pollIntervalMs: 10_000, electionRetryMs: 300 };
    const runnerA = new AsyncProjectionRunner(storeA, a.projection, { ...options, wake: signalsA });
    const runnerB = new AsyncProjectionRunner(storeB, b.projection, { ...options, wake: signalsB });
    runnerA.start();
    await until(() => runnerA.status().state === 'leader', 5000, 'A becoming the leader');
    runnerB.start();

    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, s) => storeB.append(`replicated-${s}`, [{ type: 'Counted', data: { round } }])),
      );
    }
    const caughtUpIn = Date.now();
    await waitUntilCaughtUp(runnerB, 5000);
    expect(Date.now() - caughtUpIn).toBeLessThan(5000);
    expect(a.batches()).toBeGreaterThan(0);
    expect(b.batches()).toBe(0);
    expect(runnerB.status().state).toBe('standby');

    let writing = true;
    const writer = (async () => {
      for (let round = 0; writing; round++) {
        await Promise.all(
          Array.from({ length: 10 }, (_, s) =>
            storeB.append(`during-kill-${s}`, [{ type: 'Counted', data: { round } }]),
          ),
        );
      }
    })();
    await sleep(100);
    // A dies: its leader session and its pooled connections are cut, and it never comes back.
    await replicaB.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database()
          AND (application_name = 'replica-a'
               OR pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database =
                            (SELECT oid FROM pg_database WHERE datname = current_database())))`,
    );
    await runnerA.stop();
    const takeover = await until(() => runnerB.status().state === 'leader', 5000, 'B taking over');
    expect(takeover).toBeLessThan(5000);
    await sleep(200);
    writing = false;
    await writer;

    await waitUntilCaughtUp(runnerB, 10_000);
    expect(b.batches()).toBeGreaterThan(0);
    const registry = new ProjectionRegistry(storeB, [counts]);
    await expect(registry.verify(counts.name)).resolves.toMatchObject({ matches: true, differenceCount: 0 });
    const expected = await replicaB.query(
      `SELECT stream_id, count(*)::int AS events FROM events WHERE type = 'Counted' GROUP BY stream_id ORDER BY stream_id`,
    );
    expect(await replicaB.query('SELECT stream_id, events FROM replicated_counts ORDER BY stream_id')).toEqual(
      expected,
    );
    await runnerB.stop();
  });
});

describe('async projection runner', () => {
  it('keeps retrying a failing batch, reports it, and recovers without losing events', async () => {
    const database = await openTestDatabase({ label: 'failing' });
    try {
      await database.migrate();
      const store = new EventStore(database, new FakeClock());
      await new ProjectionRegistry(store, [counts]).ensureTables();
      let failing = true;
      const errors: string[] = [];
      const flaky: Projection = {
        ...counts,
        apply: async (tx, events, tables) => {
          if (failing) throw new Error('projection bug');
          await counts.apply(tx, events, tables);
        },
      };
      const runner = new AsyncProjectionRunner(store, flaky, {
        pollIntervalMs: 50,
        onError: (error) => errors.push(String(error)),
      });
      runner.start();
      await store.append('flaky-1', [
        { type: 'Counted', data: {} },
        { type: 'Counted', data: {} },
      ]);
      await until(() => runner.status().failing, 5000, 'the failure being reported');
      expect(runner.status()).toMatchObject({ failing: true, lastError: 'projection bug' });
      expect(errors[0]).toContain('projection bug');
      await expect(runner.lag()).resolves.toBeGreaterThan(0);

      failing = false;
      await waitUntilCaughtUp(runner, 10_000);
      expect(runner.status().failing).toBe(false);
      await expect(runner.lag()).resolves.toBe(0);
      await expect(database.query('SELECT stream_id, events FROM replicated_counts')).resolves.toEqual([
        { stream_id: 'flaky-1', events: 2 },
      ]);
      await runner.stop();
      expect(runner.status().state).toBe('stopped');
    } finally {
      await database.close();
    }
  });
});
