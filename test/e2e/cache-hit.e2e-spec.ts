import { startAllFakes } from '../fakes';
import { openTestDatabase, startTestApp, type TestApp } from '../support/test-app';
import type { Database } from '../../src/database/database';
import { FakeClock } from '../../src/common/clock';

/**
 * A cache hit this process remembers is served in one statement that also counts it against the
 * rate limit and checks the month's tier: both must stay exact across replicas.
 */
describe('cache hits served in one statement, on two replicas of one database', () => {
  let fakes: Awaited<ReturnType<typeof startAllFakes>>;
  let database: Database;
  let first: TestApp;
  let second: TestApp;
  // Rate-limit windows are fixed minutes: a pinned clock keeps every request inside one of them.
  const clock = new FakeClock('2026-11-25T12:00:10Z');
  beforeAll(async () => {
    fakes = await startAllFakes();
    database = await openTestDatabase({ label: 'cachehit' });
    const env = { ...fakes.env, RATE_LIMIT_PER_MINUTE: '6' };
    first = await startTestApp({ database, clock, env });
    second = await startTestApp({ database, clock, env });
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await database.close();
    await fakes.close();
  });

  const generate = (app: TestApp, user: string, prompt: string) =>
    app.request('/v1/generations', { method: 'POST', user, json: { prompt } });
  const eventsOf = async (user: string) =>
    ((await first.request(`/v1/admin/users/${user}/events`)).body.events as Array<{ type: string }>).map((e) => e.type);
  const cacheHitsOf = async (user: string) =>
    Number(
      (
        await database.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM events WHERE type = 'CacheHit' AND data->>'userId' = $1`,
          [user],
        )
      )[0].n,
    );

  it('counts concurrent hits exactly against the limit, whichever replica serves them, and records only those let through', async () => {
    const prompt = 'a paper boat on a puddle';
    expect((await generate(first, 'primer', prompt)).status).toBe(201);
    // Each replica meets the cached image once, so the requests below are hits it remembers.
    expect((await generate(first, 'primer', prompt)).body.cached).toBe(true);
    expect((await generate(second, 'primer', prompt)).body.cached).toBe(true);

    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) => generate(index % 2 === 0 ? first : second, 'hurried', prompt)),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 429, 429, 429, 429]);
    const limited = answers.find((answer) => answer.status === 429)!;
    expect(limited.body.code).toBe('rate_limited');
    expect(limited.headers.get('retry-after')).toBe('50');
    for (const served of answers.filter((answer) => answer.status === 201)) {
      expect(served.body).toMatchObject({
        cached: true,
        costUsd: 0,
        credits: { userId: 'hurried', freeRemainingToday: 3 },
      });
    }
    expect(await cacheHitsOf('hurried')).toBe(6);
    const listed = await first.request('/v1/generations', { user: 'hurried' });
    expect(listed.body.items).toHaveLength(6);
    // Misses and hits share the user's window: a miss now is refused too, before any charge.
    const miss = await generate(second, 'hurried', 'another prompt entirely');
    expect(miss.status).toBe(429);
    expect(await eventsOf('hurried')).not.toContain('CreditsReserved');
  });

  it('never serves a Premium image a replica remembers once the month has been downgraded elsewhere', async () => {
    const prompt = 'a brass compass on a sea chart';
    expect((await generate(first, 'navigator', prompt)).body).toMatchObject({ tier: 'premium', cached: false });
    expect((await generate(first, 'navigator', prompt)).body).toMatchObject({ tier: 'premium', cached: true });
    // The other replica lowers the cap and its next Premium request downgrades the month to Standard.
    expect((await second.request('/v1/admin/budget', { method: 'PUT', json: { capUsd: 0.01 } })).status).toBe(200);
    expect((await generate(second, 'captain', 'a lighthouse keeper at dusk')).body).toMatchObject({
      tier: 'standard',
      downgraded: true,
    });

    const after = await generate(first, 'navigator', prompt);
    expect(after.status).toBe(201);
    expect(after.body).toMatchObject({ tier: 'standard', downgraded: true, provider: 'fal', cached: false });
    expect(after.body.credits.tier).toBe('standard');
  });
});
