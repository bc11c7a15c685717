import { daysOf, monthRange, monthsOf, parseDay, parseMonth } from '../../common/utc-time';
import { dailySeries, summarize, type DailyUsageRow } from './usage-summary';
import { capAt, type BudgetChangeRow } from './budget-changes';

const row = (
  day: string,
  tier: DailyUsageRow['tier'],
  provider: string,
  figures: Partial<DailyUsageRow>,
): DailyUsageRow => ({
  day,
  tier,
  provider,
  generations: 0,
  cacheHits: 0,
  spendMicros: 0,
  savedMicros: 0,
  freeGenerations: 0,
  paidGenerations: 0,
  ...figures,
});

describe('UTC days', () => {
  it('accepts real calendar days and months only', () => {
    expect(parseDay('2028-02-29')).toBe('2028-02-29');
    expect(parseDay('2026-02-29')).toBeUndefined();
    expect(parseDay('2026-11-5')).toBeUndefined();
    expect(parseMonth('2026-12')).toBe('2026-12');
    expect(parseMonth('2026-13')).toBeUndefined();
  });

  it('knows month lengths and walks across month and year ends', () => {
    expect(monthRange('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(daysOf({ from: '2026-12-30', to: '2027-01-02' })).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
    expect(monthsOf({ from: '2026-11-20', to: '2027-01-02' })).toEqual(['2026-11', '2026-12', '2027-01']);
  });
});

describe('summarize and dailySeries', () => {
  const rows = [
    row('2026-11-03', 'premium', 'openai', {
      generations: 4,
      cacheHits: 2,
      spendMicros: 160_000,
      savedMicros: 80_000,
      freeGenerations: 3,
      paidGenerations: 1,
    }),
    row('2026-11-03', 'standard', 'fal', { generations: 1, spendMicros: 3_000, freeGenerations: 1 }),
    row('2026-11-05', 'standard', 'fal', { cacheHits: 1, savedMicros: 3_000 }),
    row('2026-11-05', 'standard', 'local', { cacheHits: 1 }),
  ];
  const range = { from: '2026-11-03', to: '2026-11-05' };

  it('sums money in micro-dollars and reports dollars, with the hit rate over all requests', () => {
    expect(summarize(range, rows, 3)).toEqual({
      from: '2026-11-03',
      to: '2026-11-05',
      generations: 5,
      cacheHits: 4,
      cacheHitRate: 4 / 9,
      spendUsd: 0.163,
      savedUsd: 0.083,
      freeGenerations: 4,
      paidGenerations: 1,
      uniqueUsers: 3,
      byTier: { premium: { generations: 4, spendUsd: 0.16 }, standard: { generations: 1, spendUsd: 0.003 } },
      // Only providers that made images are listed; `local` here only served a cached one.
      byProvider: { fal: { generations: 1, spendUsd: 0.003 }, openai: { generations: 4, spendUsd: 0.16 } },
    });
  });

  it('a range without usage has a hit rate of 0, not NaN', () => {
    expect(summarize(range, [], 0)).toMatchObject({ generations: 0, cacheHits: 0, cacheHitRate: 0, byProvider: {} });
  });

  it('lists every day of the range, empty days as zeros, with generations per tier', () => {
    expect(dailySeries(range, rows)).toEqual([
      { date: '2026-11-03', generations: 5, cacheHits: 2, spendUsd: 0.163, savedUsd: 0.08, premium: 4, standard: 1 },
      { date: '2026-11-04', generations: 0, cacheHits: 0, spendUsd: 0, savedUsd: 0, premium: 0, standard: 0 },
      { date: '2026-11-05', generations: 0, cacheHits: 2, spendUsd: 0, savedUsd: 0.003, premium: 0, standard: 0 },
    ]);
  });
});

describe('capAt', () => {
  const change = (month: string, at: string, capMicros: number): BudgetChangeRow => ({
    month,
    at,
    change: 'cap_set',
    reason: null,
    spendMicros: null,
    capMicros,
  });
  const changes = [
    change('2026-11', '2026-11-04T15:00:00.000Z', 300_000),
    change('2026-11', '2026-11-06T09:00:00.000Z', 500_000),
  ];

  it("is the configured default until the month's first cap, then the latest cap set by the end of the day", () => {
    expect(capAt(changes, '2026-11-03', 100_000_000)).toBe(100_000_000);
    expect(capAt(changes, '2026-11-04', 100_000_000)).toBe(300_000);
    expect(capAt(changes, '2026-11-05', 100_000_000)).toBe(300_000);
    expect(capAt(changes, '2026-11-06', 100_000_000)).toBe(500_000);
  });

  it('does not carry a cap into the next month', () => {
    expect(capAt(changes, '2026-12-01', 100_000_000)).toBe(100_000_000);
  });
});
