import { FakeClock } from '../../common/clock';
import type { Database } from '../../database/database';
import { DomainError } from '../../common/domain-error';
import { openTestDatabase } from '../../../test/support/test-app';
import { describePostgres } from '../../../test/support/test-database';
import { RateLimiter } from './rate-limiter';

async function outcomes(hits: Promise<void>[]): Promise<{ allowed: number; limited: number }> {
  const results = await Promise.allSettled(hits);
  const limited = results.filter(
    (r) => r.status === 'rejected' && r.reason instanceof DomainError && r.reason.code === 'rate_limited',
  );
  const allowed = results.filter((r) => r.status === 'fulfilled');
  expect(allowed.length + limited.length).toBe(hits.length);
  return { allowed: allowed.length, limited: limited.length };
}

describePostgres('rate limiter: bursts counted in batches, exactly', () => {
  let database: Database;
  const clock = new FakeClock(new Date('2026-11-24T10:00:05Z'));
  beforeAll(async () => {
    database = await openTestDatabase({ label: 'ratelimiter' });
    await database.migrate();
  });
  afterAll(async () => database.close());

  const windowCount = async (subject: string) =>
    Number(
      (await database.query<{ hits: number }>('SELECT hits FROM rate_limit_windows WHERE subject = $1', [subject]))[0]
        ?.hits ?? 0,
    );

  it('lets exactly the limit through when 200 hits of two replicas arrive at once', async () => {
    const replicas = [new RateLimiter(database, clock, 50), new RateLimiter(database, clock, 50)];
    const burst = Array.from({ length: 200 }, (_, i) => replicas[i % 2].hit('burst-user'));
    await expect(outcomes(burst)).resolves.toEqual({ allowed: 50, limited: 150 });
    expect(await windowCount('burst-user')).toBe(200);
  });

  it('counts each subject on its own within one batch', async () => {
    const limiter = new RateLimiter(database, clock, 3);
    const mixed = [
      ...Array.from({ length: 5 }, () => limiter.hit('a')),
      ...Array.from({ length: 2 }, () => limiter.hit('b')),
    ];
    const results = await Promise.allSettled(mixed);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect([await windowCount('a'), await windowCount('b')]).toEqual([5, 2]);
  });

  it('starts a new window each minute and tells how long to wait', async () => {
    const limiter = new RateLimiter(database, clock, 1);
    await limiter.hit('minute');
    const limited = await limiter.hit('minute').catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(DomainError);
    expect((limited as DomainError).details).toEqual({ retryAfterSeconds: 55 });
    clock.advance(60_000);
    await expect(limiter.hit('minute')).resolves.toBeUndefined();
  });

  it('fails every waiting hit when the database refuses the batch, and recovers after', async () => {
    const limiter = new RateLimiter(database, clock, 10);
    await database.query('ALTER TABLE rate_limit_windows ADD CONSTRAINT refuse_test CHECK (subject <> $$refused$$)');
    try {
      const results = await Promise.allSettled([limiter.hit('refused'), limiter.hit('refused')]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    } finally {
      await database.query('ALTER TABLE rate_limit_windows DROP CONSTRAINT refuse_test');
    }
    await expect(limiter.hit('refused')).resolves.toBeUndefined();
  });
});
