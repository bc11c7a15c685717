import { userPageFormat } from './user-page.format';

describe("the user page's words for figures and problems", () => {
  const format = userPageFormat('Europe/Paris');
  const credits = {
    freeRemainingToday: 0,
    freeDailyQuota: 3,
    paidCredits: 0,
    quotaResetsAt: '2026-12-03T00:00:00.000Z',
  };

  it('writes the month as spend against the cap, and prices to the tenth of a cent below ten cents', () => {
    expect(format.spendOfCap(0, 100)).toBe('$0.00 / $100');
    expect(format.spendOfCap(12.345, 150.5)).toBe('$12.35 / $150.50');
    expect(format.usd(0.04)).toBe('$0.040');
    expect(format.usd(0.003)).toBe('$0.003');
    expect(format.usd(0)).toBe('$0.00');
    expect(format.usd(0.12)).toBe('$0.12');
  });

  it("gives the quota reset in the reader's time zone and in UTC", () => {
    expect(format.resetTime('2026-12-03T00:00:00.000Z')).toBe('Thu 01:00 your time (00:00 UTC)');
  });

  it('402 with no free image left: used up, when they come back, nothing charged, how to buy', () => {
    const withPacks = format.problemMessage(402, { code: 'insufficient_credits' }, null, credits, true);
    expect(withPacks).toBe(
      'Your 3 free images for today are used up. They come back Thu 01:00 your time (00:00 UTC). ' +
        'Nothing was charged. Buy credits to keep going today.',
    );
    expect(format.problemMessage(402, { code: 'insufficient_credits' }, null, credits, false)).toContain(
      'Paid credits are added by the operator of this service.',
    );
    const paidShort = format.problemMessage(
      402,
      { code: 'insufficient_credits', detail: 'Needs 2 credits, has 1' },
      null,
      { ...credits, freeRemainingToday: 1 },
      true,
    );
    expect(paidShort).toBe(
      'Not enough credits for this image (Needs 2 credits, has 1). Nothing was charged. Buy credits to keep going today.',
    );
  });

  it('429 says when to retry, from Retry-After', () => {
    expect(format.problemMessage(429, { code: 'rate_limited' }, 42, null, false)).toBe(
      'Too many requests in a minute. Try again in 42 seconds. Nothing was charged.',
    );
    expect(format.problemMessage(429, { code: 'rate_limited' }, null, null, false)).toContain('Try again in a minute.');
  });

  it('502 and 503 say that nothing was charged', () => {
    const failed = format.problemMessage(502, { code: 'provider_failed', detail: 'timeout' }, null, null, false);
    expect(failed).toBe('The image provider failed (timeout). Nothing was charged. Try again.');
    for (const code of ['provider_unavailable', 'budget_exhausted', 'not_ready'])
      expect(format.problemMessage(503, { code }, 5, null, false)).toContain('Nothing was charged.');
    expect(format.problemMessage(503, { code: 'not_ready' }, 5, null, false)).toContain('Try again in 5 seconds.');
    expect(format.problemMessage(500, { code: 'internal_error', detail: 'boom' }, null, null, false)).toBe(
      'The service failed (500: boom). Nothing was charged.',
    );
  });
});
