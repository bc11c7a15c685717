import type { Tier } from '../../config/app-config';
import { microsToDollars } from '../../billing/domain/money';
import { daysOf, type DayRange } from '../../common/utc-time';

/** One row of the daily usage projection: a day, a tier and the provider that made the images. */
export interface DailyUsageRow {
  readonly day: string;
  readonly tier: Tier;
  readonly provider: string;
  /** Provider generations (cache hits are not generations). */
  readonly generations: number;
  readonly cacheHits: number;
  readonly spendMicros: number;
  readonly savedMicros: number;
  readonly freeGenerations: number;
  readonly paidGenerations: number;
}

export interface TierUsage {
  readonly generations: number;
  readonly spendUsd: number;
}

/** `GET /v1/admin/analytics/summary` (API.md). */
export interface UsageSummary {
  readonly from: string;
  readonly to: string;
  readonly generations: number;
  readonly cacheHits: number;
  readonly cacheHitRate: number;
  readonly spendUsd: number;
  readonly savedUsd: number;
  readonly freeGenerations: number;
  readonly paidGenerations: number;
  readonly uniqueUsers: number;
  readonly byTier: Readonly<Record<Tier, TierUsage>>;
  readonly byProvider: Readonly<Record<string, TierUsage>>;
}

/** One day of `GET /v1/admin/analytics/daily` (API.md); `premium`/`standard` count generations. */
export interface DailyUsage {
  readonly date: string;
  readonly generations: number;
  readonly cacheHits: number;
  readonly spendUsd: number;
  readonly savedUsd: number;
  readonly premium: number;
  readonly standard: number;
}

interface Totals {
  generations: number;
  cacheHits: number;
  spendMicros: number;
  savedMicros: number;
  freeGenerations: number;
  paidGenerations: number;
}

function emptyTotals(): Totals {
  return { generations: 0, cacheHits: 0, spendMicros: 0, savedMicros: 0, freeGenerations: 0, paidGenerations: 0 };
}

function add(into: Totals, row: DailyUsageRow): void {
  into.generations += row.generations;
  into.cacheHits += row.cacheHits;
  into.spendMicros += row.spendMicros;
  into.savedMicros += row.savedMicros;
  into.freeGenerations += row.freeGenerations;
  into.paidGenerations += row.paidGenerations;
}

/** hits / (hits + generations); 0 when nothing was asked for. */
export function cacheHitRate(cacheHits: number, generations: number): number {
  const requests = cacheHits + generations;
  return requests === 0 ? 0 : cacheHits / requests;
}

/**
 * Money is summed in micro-dollars and turned into dollars once, so the total is exact and equal
 * to the sum the usage_log view and the cost report make.
 */
export function summarize(range: DayRange, rows: readonly DailyUsageRow[], uniqueUsers: number): UsageSummary {
  const total = emptyTotals();
  const byTier: Record<Tier, Totals> = { premium: emptyTotals(), standard: emptyTotals() };
  const byProvider = new Map<string, Totals>();
  for (const row of rows) {
    add(total, row);
    add(byTier[row.tier], row);
    if (row.generations === 0) continue;
    const provider = byProvider.get(row.provider) ?? emptyTotals();
    add(provider, row);
    byProvider.set(row.provider, provider);
  }
  const usage = (totals: Totals): TierUsage => ({
    generations: totals.generations,
    spendUsd: microsToDollars(totals.spendMicros),
  });
  return {
    from: range.from,
    to: range.to,
    generations: total.generations,
    cacheHits: total.cacheHits,
    cacheHitRate: cacheHitRate(total.cacheHits, total.generations),
    spendUsd: microsToDollars(total.spendMicros),
    savedUsd: microsToDollars(total.savedMicros),
    freeGenerations: total.freeGenerations,
    paidGenerations: total.paidGenerations,
    uniqueUsers,
    byTier: { premium: usage(byTier.premium), standard: usage(byTier.standard) },
    byProvider: Object.fromEntries(
      [...byProvider.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, totals]) => [name, usage(totals)]),
    ),
  };
}

/** Every day of the range, days without usage included as zeros (a chart needs no gaps). */
export function dailySeries(range: DayRange, rows: readonly DailyUsageRow[]): DailyUsage[] {
  const byDay = new Map<string, DailyUsageRow[]>();
  for (const row of rows) byDay.set(row.day, [...(byDay.get(row.day) ?? []), row]);
  return daysOf(range).map((date) => {
    const day = byDay.get(date) ?? [];
    const total = emptyTotals();
    for (const row of day) add(total, row);
    const tierGenerations = (tier: Tier) =>
      day.filter((row) => row.tier === tier).reduce((sum, row) => sum + row.generations, 0);
    return {
      date,
      generations: total.generations,
      cacheHits: total.cacheHits,
      spendUsd: microsToDollars(total.spendMicros),
      savedUsd: microsToDollars(total.savedMicros),
      premium: tierGenerations('premium'),
      standard: tierGenerations('standard'),
    };
  });
}
