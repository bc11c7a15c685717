import type { Tier } from '../../../config/app-config';
import { monthOf, monthRange, rangeInstants } from '../../../common/utc-time';
import type { BudgetDefaults, BudgetTotals } from './messages';
import { effectiveCaps, type BudgetState } from './state';

export interface BudgetView {
  /** Provider cost billed. */
  readonly spendMicros: number;
  /** Prices held by reservations in flight. */
  readonly reservedMicros: number;
  /** Prices of provider calls whose outcome is not known (counted against the caps as spent). */
  readonly unknownMicros: number;
  readonly capMicros: number;
  readonly hardCapMicros: number | null;
  /** The tier a Premium request is served with now. */
  readonly tier: Tier;
  readonly downgradedAt: string | null;
}

export function budgetView(state: BudgetState, totals: BudgetTotals, defaults: BudgetDefaults): BudgetView {
  const caps = effectiveCaps(state, defaults);
  return {
    spendMicros: totals.spendMicros,
    reservedMicros: totals.reservedMicros,
    unknownMicros: totals.unknownMicros ?? 0,
    capMicros: caps.capMicros,
    hardCapMicros: caps.hardCapMicros,
    tier: state.premium.tier,
    downgradedAt: state.premium.tier === 'standard' ? state.premium.downgradedAt : null,
  };
}

/** Linear projection of the month's spend from the part of the month that has passed (at least an hour). */
export function forecastMicros(spendMicros: number, now: Date): number {
  const { start, end } = rangeInstants(monthRange(monthOf(now)));
  const elapsed = Math.max(now.getTime() - start.getTime(), 60 * 60 * 1000);
  return Math.round((spendMicros * (end.getTime() - start.getTime())) / elapsed);
}
