import { microsToDollars } from '../../billing/domain/money';

/** Net money taken for credits (sold less refunded and disputed), in USD micro-dollars by UTC day. */
export type RevenueByDay = ReadonlyMap<string, number>;

export interface Revenue {
  /** Credits sold in USD, less the money that went back; other currencies are not converted. */
  readonly revenueUsd: number;
  /** Revenue less provider spend. */
  readonly marginUsd: number;
}

function revenueOf(days: readonly string[], revenue: RevenueByDay, spendUsd: number): Revenue {
  const micros = days.reduce((sum, day) => sum + (revenue.get(day) ?? 0), 0);
  const spendMicros = Math.round(spendUsd * 1_000_000);
  return { revenueUsd: microsToDollars(micros), marginUsd: microsToDollars(micros - spendMicros) };
}

/** A usage figure (a day, a range) with its revenue and margin beside its spend. */
export function withRevenue<T extends { readonly spendUsd: number }>(
  usage: T,
  days: readonly string[],
  revenue: RevenueByDay,
): T & Revenue {
  return { ...usage, ...revenueOf(days, revenue, usage.spendUsd) };
}
