import { FakeClock } from '../../src/common/clock';
import { GenerationJobs } from '../../src/generation/generation.jobs';
import { PurgeExpiredRows, type PurgedRows } from '../../src/generation/purge-expired/purge-expired.command';
import { CommandBus } from '@nestjs/cqrs';
import { startTestApp, type TestApp } from '../support/test-app';

const HOUR_MS = 3_600_000;

describe.each([
  ['the test database', false],
  ['the embedded database', true],
])('retention job on %s', (_, embedded) => {
  let t: TestApp;
  let clock: FakeClock;

  beforeAll(async () => {
    clock = new FakeClock('2026-11-25T12:00:10Z');
    t = await startTestApp({ clock, embedded, env: { IDEMPOTENCY_RETENTION_HOURS: '48' } });
  });
  afterAll(async () => t.close());

  const generate = (user: string, prompt: string, key?: string) =>
    t.request('/v1/generations', {
      method: 'POST',
      user,
      json: { prompt },
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });
  const retention = () => t.app.get(GenerationJobs).retention();
  const keys = async () =>
    (await t.database.query<{ key: string }>('SELECT key FROM idempotency_keys ORDER BY key')).map((row) => row.key);
  const windows = async () =>
    (await t.database.query<{ n: string }>('SELECT count(*) AS n FROM rate_limit_windows'))[0]!.n;

  it('purges keys older than the retention; a newer key still replays, an older one runs again', async () => {
    const old = await generate('keeper', 'a lighthouse kept two days', 'key-old');
    expect(old.status).toBe(201);
    clock.advance(47 * HOUR_MS);
    const recent = await generate('keeper', 'a harbour kept one hour', 'key-recent');
    expect(recent.status).toBe(201);
    clock.advance(2 * HOUR_MS);

    const run = await retention();
    expect(run?.idempotencyKeys).toBeGreaterThanOrEqual(1);
    expect(await keys()).toEqual(['key-recent']);

    const replay = await generate('keeper', 'a harbour kept one hour', 'key-recent');
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(recent.body.id);
    const rerun = await generate('keeper', 'a lighthouse kept two days', 'key-old');
    expect(rerun.status).toBe(201);
    expect(rerun.body.id).not.toBe(old.body.id);

    const scrape = await t.request('/metrics');
    const purged = /genledger_retention_purged_rows_total\{table="idempotency_keys"\} (\d+)/.exec(scrape.text);
    expect(Number(purged?.[1])).toBeGreaterThanOrEqual(1);
  });

  it('keeps rate-limit rows to the active windows however many minutes pass', async () => {
    const users = ['minute-a', 'minute-b', 'minute-c'];
    const counts: number[] = [];
    for (let minute = 0; minute < 6; minute += 1) {
      for (const user of users) expect((await generate(user, 'the same cached lighthouse')).status).toBe(201);
      await retention();
      counts.push(Number(await windows()));
      clock.advance(60_000);
    }
    // This minute's window and the one before it, per user (the first run has one).
    expect(Math.max(...counts)).toBeLessThanOrEqual(users.length * 2 + 1);
    expect(counts.at(-1)).toBeGreaterThanOrEqual(users.length);
  });

  it('deletes in bounded batches: a backlog goes over several runs, never in one statement', async () => {
    const claimedAt = new Date(clock.now().getTime() - 100 * HOUR_MS).toISOString();
    await t.database.query(
      `INSERT INTO idempotency_keys (user_id, key, request_hash, state, created_at)
       SELECT 'backlog', 'old-' || n, 'hash', 'done', $1 FROM generate_series(1, 10) AS n`,
      [claimedAt],
    );
    const bus = t.app.get(CommandBus);
    const first: PurgedRows = await bus.execute(new PurgeExpiredRows(3, 2));
    expect(first.idempotencyKeys).toBe(6);
    const second: PurgedRows = await bus.execute(new PurgeExpiredRows(3, 2));
    expect(second.idempotencyKeys).toBe(4);
    expect((await keys()).filter((key) => key.startsWith('old-'))).toEqual([]);
  });
});
