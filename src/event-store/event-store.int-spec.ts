import { Client } from 'pg';
import { FakeClock } from '../common/clock';
import { Database } from '../database/database';
import { ALL_MIGRATIONS } from '../migrations';
import { openTestDatabase } from '../../test/support/test-app';
import { createTestDatabase, describePostgres } from '../../test/support/test-database';
import { EventStore } from './event-store';
import { ConcurrencyError, START, type Checkpoint, type RecordedEvent } from './event-types';
import { UpcasterRegistry } from './upcasters';

const counted = (n: number) => ({ type: 'Counted', data: { n } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retries a read until it shows what is expected: readers only see events below the horizon of
 * running transactions, which is cluster-wide (other suites' transactions hold it back briefly).
 */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(20);
  }
}

describe.each([
  ['PostgreSQL when available', false],
  ['the embedded database', true],
])('event store on %s', (_label, embedded) => {
  let database: Database;
  let store: EventStore;
  beforeAll(async () => {
    database = await openTestDatabase({ label: 'store', embedded });
    await database.migrate();
    store = new EventStore(database, new FakeClock());
  });
  afterAll(async () => database.close());

  it('tells append listeners of an append in a transaction only once it commits, and never on rollback', async () => {
    let heard = 0;
    const stop = store.onAppended(() => (heard += 1));
    try {
      await database.transaction(async (tx) => {
        await store.append('notify-commit', [counted(1)], { tx });
        await store.append('notify-commit', [counted(2)], { tx });
        expect(heard).toBe(0);
      });
      expect(heard).toBe(1);
      await expect(
        database.transaction(async (tx) => {
          await store.append('notify-rollback', [counted(1)], { tx });
          throw new Error('rolled back on purpose');
        }),
      ).rejects.toThrow('rolled back on purpose');
      expect(heard).toBe(1);
      await store.append('notify-alone', [counted(1)]);
      expect(heard).toBe(2);
    } finally {
      stop();
    }
  });

  it('appends with no_stream only to a new stream, with a number only at that version, with any always', async () => {
    await expect(
      store.append('expect-1', [counted(1), counted(2)], { expectedVersion: 'no_stream' }),
    ).resolves.toMatchObject({
      nextExpectedVersion: 2,
    });
    const conflict = store.append('expect-1', [counted(3)], { expectedVersion: 'no_stream' });
    await expect(conflict).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(conflict).rejects.toMatchObject({ code: 'concurrency_conflict' });
    await expect(store.append('expect-1', [counted(3)], { expectedVersion: 1 })).rejects.toMatchObject({
      code: 'concurrency_conflict',
    });
    await expect(store.append('expect-1', [counted(3)], { expectedVersion: 2 })).resolves.toMatchObject({
      nextExpectedVersion: 3,
    });
    await expect(store.append('expect-1', [counted(4)], { expectedVersion: 'any' })).resolves.toMatchObject({
      nextExpectedVersion: 4,
    });
    await expect(store.append('expect-new', [counted(1)], { expectedVersion: 'any' })).resolves.toMatchObject({
      nextExpectedVersion: 1,
    });
    await expect(store.append('expect-none', [counted(1)], { expectedVersion: 3 })).rejects.toMatchObject({
      code: 'concurrency_conflict',
    });
    const events = await store.readStream('expect-1');
    expect(events.map((event) => [event.streamPosition, event.data])).toEqual([
      [1, { n: 1 }],
      [2, { n: 2 }],
      [3, { n: 3 }],
      [4, { n: 4 }],
    ]);
  });

  it('reads a stream from a position', async () => {
    await store.append('from-1', [counted(1), counted(2), counted(3), counted(4)]);
    const tail = await store.readStream('from-1', { from: 3 });
    expect(tail.map((event) => event.streamPosition)).toEqual([3, 4]);
    expect(tail.map((event) => event.data)).toEqual([{ n: 3 }, { n: 4 }]);
  });

  it.each([
    ['UPDATE', `UPDATE events SET type = 'Changed'`],
    ['DELETE', 'DELETE FROM events'],
    ['TRUNCATE', 'TRUNCATE events'],
  ])('refuses %s on the events table with a clear message', async (operation, statement) => {
    await store.append(`guarded-${operation}`, [counted(1)]);
    await expect(database.query(statement)).rejects.toThrow(`events is append-only: ${operation} is not allowed`);
    await expect(store.readStream(`guarded-${operation}`)).resolves.toHaveLength(1);
  });

  it('upcasts stored events by (type, schema version) on read and writes new ones at the current version', async () => {
    const upcasters = new UpcasterRegistry()
      .register({
        type: 'PriceSet',
        fromVersion: 1,
        upcast: (data) => ({ amountMicros: Number(data.dollars) * 1_000_000 }),
      })
      .register({ type: 'PriceSet', fromVersion: 2, upcast: (data) => ({ ...data, currency: 'USD' }) });
    const upcasting = new EventStore(database, new FakeClock(), upcasters);
    await database.query(
      `INSERT INTO events (stream_id, stream_position, type, schema_version, data) VALUES
         ('price-1', 1, 'PriceSet', 1, '{"dollars": 2}'), ('price-1', 2, 'PriceSet', 2, '{"amountMicros": 5}')`,
    );
    await upcasting.append('price-1', [{ type: 'PriceSet', data: { amountMicros: 7, currency: 'EUR' } }], {
      expectedVersion: 2,
    });
    const events = await upcasting.readStream('price-1');
    expect(events.map((event) => [event.schemaVersion, event.data])).toEqual([
      [3, { amountMicros: 2_000_000, currency: 'USD' }],
      [3, { amountMicros: 5, currency: 'USD' }],
      [3, { amountMicros: 7, currency: 'EUR' }],
    ]);
    const [stored] = await database.query(
      `SELECT schema_version FROM events WHERE stream_id = 'price-1' AND stream_position = 3`,
    );
    expect(stored.schema_version).toBe(3);
    const all = await eventually(
      () => upcasting.readAll({ types: ['PriceSet'] }),
      (read) => read.length >= 3,
    );
    expect(all.map((event) => event.data)).toEqual(events.map((event) => event.data));
  });

  it('lets concurrent appends to different streams share commits, each answered with its own positions', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.append(`group-${i}`, [counted(i), counted(i)])),
    );
    expect(results.every((result) => result.nextExpectedVersion === 2)).toBe(true);
    const positions = results.flatMap((result) => result.globalPositions);
    expect(new Set(positions).size).toBe(80);
    for (const [i, result] of results.entries()) {
      const events = await store.readStream(`group-${i}`);
      expect(events.map((event) => event.globalPosition)).toEqual(result.globalPositions);
    }
    const [{ commits }] = await database.query<{ commits: number }>(
      `SELECT count(DISTINCT transaction_id)::int AS commits FROM events WHERE stream_id LIKE 'group-%'`,
    );
    expect(commits).toBeLessThan(40);
  });

  describe('appends that feed an inline projection', () => {
    let tallying: EventStore;
    beforeAll(async () => {
      await database.query('CREATE TABLE inline_tally (stream_id text PRIMARY KEY, n integer NOT NULL CHECK (n >= 0))');
      tallying = new EventStore(database, new FakeClock());
      tallying.registerInline({
        name: 'inline_tally',
        eventTypes: ['Tallied'],
        apply: async (tx, events) => {
          for (const event of events) {
            await tx.query('INSERT INTO inline_tally (stream_id, n) VALUES ($1, $2)', [
              event.streamId,
              (event.data as { n: number }).n,
            ]);
          }
        },
      });
    });
    const tally = (streamId: string, n: number) =>
      tallying.append(streamId, [{ type: 'Tallied', data: { n } }], { expectedVersion: 'no_stream' });

    it('share commits too, the projection written in the same transaction', async () => {
      await Promise.all(Array.from({ length: 30 }, (_, i) => tally(`inline-group-${i}`, i)));
      const rows = await database.query<{ n: number }>(
        `SELECT n FROM inline_tally WHERE stream_id LIKE 'inline-group-%' ORDER BY n`,
      );
      expect(rows.map((row) => row.n)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      const [{ commits }] = await database.query<{ commits: number }>(
        `SELECT count(DISTINCT transaction_id)::int AS commits FROM events WHERE stream_id LIKE 'inline-group-%'`,
      );
      expect(commits).toBeLessThan(30);
    });

    it('fail alone when the projection refuses one of a group', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) => tally(`inline-refused-${i}`, i === 7 ? -1 : i)),
      );
      expect(results.map((result) => result.status)).toEqual(
        Array.from({ length: 30 }, (_, i) => (i === 7 ? 'rejected' : 'fulfilled')),
      );
      const rows = await database.query(`SELECT stream_id FROM inline_tally WHERE stream_id LIKE 'inline-refused-%'`);
      expect(rows).toHaveLength(29);
      expect(await tallying.readStream('inline-refused-7')).toEqual([]);
    });
  });
});

describe('event store order across transaction ids of different lengths', () => {
  it('orders by transaction id as a number, not as text, when ids pass a power of ten', async () => {
    // The embedded database starts with small transaction ids, so the next power of ten is near.
    const database = await openTestDatabase({ embedded: true });
    try {
      await database.migrate();
      const store = new EventStore(database, new FakeClock());
      await store.append('digits', [counted(1)]);
      const [{ xid }] = await database.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
      const nextPowerOfTen = 10 ** xid.length;
      for (let burnt = Number(xid); burnt < nextPowerOfTen; burnt++)
        await database.query('SELECT pg_current_xact_id()');
      await store.append('digits', [counted(2)]);

      const first = await store.readAll({ limit: 1, types: ['Counted'] });
      const second = await store.readAll({ after: first[0], limit: 1, types: ['Counted'] });
      expect([...first, ...second].map((event) => event.data)).toEqual([{ n: 1 }, { n: 2 }]);
      expect(second[0].transactionId.length).toBeGreaterThan(first[0].transactionId.length);
      await expect(store.head()).resolves.toMatchObject({ globalPosition: second[0].globalPosition });
    } finally {
      await database.close();
    }
  });
});

describePostgres('event store on PostgreSQL: races and commit order', () => {
  let url: string;
  let database: Database;
  let store: EventStore;
  beforeAll(async () => {
    url = await createTestDatabase('race');
    database = await Database.open({ url, migrations: ALL_MIGRATIONS, poolSize: 60 });
    await database.migrate();
    store = new EventStore(database, new FakeClock());
  });
  afterAll(async () => database.close());

  async function expectOneWinner(streamId: string, attempts: Array<Promise<unknown>>): Promise<void> {
    const outcomes = await Promise.allSettled(attempts);
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    for (const reason of lost) {
      expect(reason).toBeInstanceOf(ConcurrencyError);
      expect(reason.code).toBe('concurrency_conflict');
    }
    const events = await store.readStream(streamId);
    expect(events.map((event) => event.streamPosition)).toEqual([1, 2, 3]);
  }

  it('lets exactly one of 50 concurrent appends with the same expected version win, in 50 transactions', async () => {
    await store.append('race-tx', [counted(0), counted(0)]);
    await expectOneWinner(
      'race-tx',
      Array.from({ length: 50 }, (_, i) =>
        database.transaction(async (tx) => {
          await store.append('race-tx', [counted(i + 1)], { expectedVersion: 2, tx });
        }),
      ),
    );
  });

  it('lets exactly one of 50 concurrent appends with the same expected version win, from 5 processes', async () => {
    const replicas = await Promise.all(
      Array.from({ length: 5 }, () => Database.open({ url, migrations: ALL_MIGRATIONS, poolSize: 10 })),
    );
    try {
      const stores = replicas.map((replica) => new EventStore(replica, new FakeClock()));
      await store.append('race-group', [counted(0), counted(0)]);
      await expectOneWinner(
        'race-group',
        Array.from({ length: 50 }, (_, i) =>
          stores[i % stores.length].append('race-group', [counted(i + 1)], { expectedVersion: 2 }),
        ),
      );
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });

  it('never lets a reader pass an event whose transaction took a lower position but commits later', async () => {
    const a = new Client({ connectionString: url });
    const b = new Client({ connectionString: url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      const start = await store.head();
      let checkpoint: Checkpoint = start;
      const seen: RecordedEvent[] = [];
      const poll = async () => {
        const events = await store.readAll({ after: checkpoint, types: ['Trap'] });
        seen.push(...events);
        if (events.length > 0) checkpoint = events[events.length - 1];
      };
      const insert = (client: Client, stream: string) =>
        client.query(
          `INSERT INTO events (stream_id, stream_position, type, data) VALUES ($1, 1, 'Trap', '{}') RETURNING global_position`,
          [stream],
        );

      await a.query('BEGIN');
      const [aRow] = (await insert(a, 'trap-a')).rows;
      await b.query('BEGIN');
      const [bRow] = (await insert(b, 'trap-b')).rows;
      await b.query('COMMIT');
      expect(Number(aRow.global_position)).toBeLessThan(Number(bRow.global_position));

      for (let i = 0; i < 5; i++) {
        await poll();
        expect(seen).toEqual([]);
        expect(checkpoint).toEqual(start);
        await sleep(20);
      }
      await a.query('COMMIT');
      await eventually(poll, () => seen.length >= 2);
      await poll();
      expect(seen.map((event) => event.streamId)).toEqual(['trap-a', 'trap-b']);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('delivers exactly the committed events, once each, to a reader polling among racing writers', async () => {
    const types = ['Raced'];
    let checkpoint: Checkpoint = START;
    const received: number[] = [];
    let committedInAll: number | undefined = undefined;
    const reader = (async () => {
      const deadline = Date.now() + 30_000;
      while (committedInAll === undefined || received.length < committedInAll) {
        if (Date.now() > deadline)
          throw new Error(`the reader saw ${received.length} of ${committedInAll} committed events`);
        const batch = await store.readAll({ after: checkpoint, limit: 7, types });
        received.push(...batch.map((event) => event.globalPosition));
        if (batch.length > 0) checkpoint = batch[batch.length - 1];
        if (batch.length === 0) await sleep(Math.random() * 5);
      }
    })();
    const writers = Array.from({ length: 12 }, async (_, writer) => {
      for (let round = 0; round < 12; round++) {
        await database
          .transaction(async (tx) => {
            await sleep(Math.random() * 15);
            const events = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => ({
              type: 'Raced',
              data: { writer, round },
            }));
            await store.append(`raced-${writer}-${round}`, events, { tx });
            await sleep(Math.random() * 25);
            if (Math.random() < 0.15) throw new Error('rolled back on purpose');
          })
          .catch((error: Error) => {
            if (error.message !== 'rolled back on purpose') throw error;
          });
      }
    });
    await Promise.all(writers);
    const committed = await database.query<{ global_position: number }>(
      `SELECT global_position FROM events WHERE type = 'Raced' ORDER BY global_position`,
    );
    committedInAll = committed.length;
    await reader;
    await expect(store.readAll({ after: checkpoint, types })).resolves.toEqual([]);
    expect([...received].sort((x, y) => x - y)).toEqual(committed.map((row) => Number(row.global_position)));
    expect(new Set(received).size).toBe(received.length);
  });
});
