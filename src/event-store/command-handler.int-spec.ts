import { FakeClock } from '../common/clock';
import { Database } from '../database/database';
import { ALL_MIGRATIONS } from '../migrations';
import { createTestDatabase, describePostgres } from '../../test/support/test-database';
import { handleCommand } from './command-handler';
import type { Decider } from './decider';
import { EventStore } from './event-store';
import { ConcurrencyError, type DomainEvent } from './event-types';

type Counted = DomainEvent<'Counted', { total: number }>;

/** Counts commands: each one appends the total it reaches. */
const counter: Decider<number, { type: 'Count' }, Counted> = {
  initialState: () => 0,
  decide: (_command, total) => [{ type: 'Counted', data: { total: total + 1 } }],
  evolve: (_total, event) => event.data.total,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** PostgreSQL only: on PGlite one transaction waits for the other to end, so they never race. */
describePostgres('handleCommand', () => {
  let database: Database;
  let store: EventStore;

  beforeAll(async () => {
    database = await Database.open({ url: await createTestDatabase('command-handler'), migrations: ALL_MIGRATIONS });
    await database.migrate();
    store = new EventStore(database, new FakeClock());
  });
  afterAll(() => database.close());

  it('owning its transactions, retries the loser of a race until both commands are appended', async () => {
    const results = await Promise.all([
      handleCommand(store, 'count-race', counter, { type: 'Count' }),
      handleCommand(store, 'count-race', counter, { type: 'Count' }),
    ]);
    expect(results.map((result) => result.version).sort()).toEqual([1, 2]);
    const events = await store.readStream<Counted>('count-race');
    expect(events.map((event) => event.data.total)).toEqual([1, 2]);
  });

  it("in a caller's transaction, runs once: the conflict is the caller's and listeners wait for the commit", async () => {
    let heard = 0;
    const stopListening = store.onAppended(() => (heard += 1));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const firstAppended = new Promise<void>((resolve) => (appended = resolve));
    const first = database.transaction(async (tx) => {
      await handleCommand(store, 'count-tx', counter, { type: 'Count' }, { tx });
      appended();
      await held;
    });
    await firstAppended;
    expect(heard).toBe(0);
    let attempts = 0;
    const countingAttempts: typeof counter = {
      ...counter,
      decide: (command, state) => {
        attempts += 1;
        return counter.decide(command, state);
      },
    };
    // The outcome is caught at once: the second transaction may fail before the first's commit
    // is heard here, and a rejection nobody listens to yet would fail the test on its own.
    const second = database
      .transaction((tx) => handleCommand(store, 'count-tx', countingAttempts, { type: 'Count' }, { tx }))
      .then(
        () => 'committed',
        (error: unknown) => error,
      );
    // The second append waits on the first one's uncommitted row, then loses to it.
    await sleep(200);
    release();
    await first;
    expect(heard).toBe(1);
    expect(await second).toBeInstanceOf(ConcurrencyError);
    expect(attempts).toBe(1);
    expect(heard).toBe(1);
    stopListening();
  });

  it("with lockStream, reads after the lock is held: a command waiting for it sees the holder's append", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const firstAppended = new Promise<void>((resolve) => (appended = resolve));
    const options = { lockStream: true } as const;
    const first = database.transaction(async (tx) => {
      await handleCommand(store, 'count-locked', counter, { type: 'Count' }, { ...options, tx });
      appended();
      await held;
    });
    await firstAppended;
    // The second's lock and read are one round trip: had the read started before the lock was
    // held, it would decide on an empty stream and fail its append as a conflict.
    const second = database.transaction((tx) =>
      handleCommand(store, 'count-locked', counter, { type: 'Count' }, { ...options, tx }),
    );
    await sleep(200);
    release();
    await first;
    await expect(second).resolves.toMatchObject({ version: 2 });
    const events = await store.readStream<Counted>('count-locked');
    expect(events.map((event) => event.data.total)).toEqual([1, 2]);
  });

  it('decides on a known state without reading, and fails as a conflict when the stream moved on', async () => {
    const first = await handleCommand(store, 'count-known', counter, { type: 'Count' });
    const known = { state: first.state, version: first.version };
    await handleCommand(store, 'count-known', counter, { type: 'Count' });
    const stale = database.transaction((tx) =>
      handleCommand(store, 'count-known', counter, { type: 'Count' }, { tx, known }),
    );
    await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
    const current = { state: 2, version: 2 };
    await expect(
      database.transaction((tx) =>
        handleCommand(store, 'count-known', counter, { type: 'Count' }, { tx, known: current }),
      ),
    ).resolves.toMatchObject({ state: 3, version: 3 });
    const events = await store.readStream<Counted>('count-known');
    expect(events.map((event) => event.data.total)).toEqual([1, 2, 3]);
  });

  it('owning its transactions, reads the stream after a known state lost its race', async () => {
    const first = await handleCommand(store, 'count-known-retry', counter, { type: 'Count' });
    await handleCommand(store, 'count-known-retry', counter, { type: 'Count' });
    const stale = { state: first.state, version: first.version };
    await expect(
      handleCommand(store, 'count-known-retry', counter, { type: 'Count' }, { known: stale }),
    ).resolves.toMatchObject({ state: 3, version: 3 });
  });
});
