import { openTestDatabase, startTestApp, type TestApp } from '../support/test-app';
import type { Database } from '../../src/database/database';
import { FakeClock } from '../../src/common/clock';

describe('per-user rate limit shared by every replica', () => {
  let database: Database;
  let first: TestApp;
  let second: TestApp;
  // Windows are fixed minutes: a pinned clock keeps the four requests inside one of them.
  const clock = new FakeClock('2026-11-25T12:00:10Z');
  beforeAll(async () => {
    database = await openTestDatabase({ label: 'ratelimit' });
    first = await startTestApp({ database, clock, env: { RATE_LIMIT_PER_MINUTE: '3' } });
    second = await startTestApp({ database, clock, env: { RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await database.close();
  });

  const generate = (app: TestApp, user: string, prompt: string) =>
    app.request('/v1/generations', { method: 'POST', user, json: { prompt } });

  it('answers the fourth request in a minute with 429, Retry-After, and no charge, whichever replica gets it', async () => {
    expect((await generate(first, 'busy', 'one')).status).toBe(201);
    expect((await generate(second, 'busy', 'two')).status).toBe(201);
    expect((await generate(first, 'busy', 'three')).status).toBe(201);
    const limited = await generate(second, 'busy', 'four');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBe(50);
    const credits = (await first.request('/v1/credits', { user: 'busy' })).body;
    expect(credits.freeRemainingToday).toBe(0);
    expect(credits.reservedCredits).toBe(0);
    const events = (await first.request('/v1/admin/users/busy/events')).body.events as Array<{ type: string }>;
    expect(events.filter((e) => e.type === 'CreditsReserved')).toHaveLength(3);
    expect((await generate(first, 'someone-else', 'one')).status).toBe(201);
    clock.advance(50_000);
    expect((await generate(second, 'busy', 'next minute')).status).toBe(402);
  });
});
