import type { Tier } from '../../../config/app-config';
import type { Message } from '../message';

// The service's monthly provider budget (DESIGN.md): soft and hard caps and whether Premium
// requests are downgraded, one stream per UTC month. The month's spend and in-flight prices come
// from the account events (see BudgetTotals).

export type RestoreReason = 'cap_raised' | 'new_month' | 'spend_below_cap';

/**
 * The month's money so far: provider cost billed, the prices of reservations in flight (held) and
 * the prices of provider calls whose outcome is not known (unknown; absent means 0). Kept
 * in the `budget_months` row, which the billing projection updates in the same transaction as the
 * account events that reserve, capture and release (so reservations never queue on this stream);
 * commands read it under that row's lock and hand it in.
 */
export type BudgetTotals = Readonly<{ spendMicros: number; reservedMicros: number; unknownMicros?: number }>;

/** Everything the month has spent or may have spent: billed, held and unknown. */
export function committedMicros(totals: BudgetTotals): number {
  return totals.spendMicros + totals.reservedMicros + (totals.unknownMicros ?? 0);
}

// ---- events -------------------------------------------------------------------------------

export type BudgetCapSet = Message<'BudgetCapSet', { capMicros: number; hardCapMicros: number | null; setAt: string }>;

/** Why Premium stopped: the figures that made the next Premium image pass the soft cap. */
export type TierDowngraded = Message<
  'TierDowngraded',
  {
    reason: 'soft_cap_exceeded';
    spendMicros: number;
    reservedMicros: number;
    nextPremiumPriceMicros: number;
    capMicros: number;
    at: string;
  }
>;

export type TierRestored = Message<'TierRestored', { reason: RestoreReason; at: string }>;

/**
 * A provider bill for a reservation that had already expired (and been released): the user keeps
 * the image free, the month still paid for it. Captured reservations count through the account's
 * ReservationCaptured instead. The expiry counted the reservation's whole hold as unknown spend;
 * `resolvedUnknownMicros` is the part of it the calls' outcomes now explain (absent: 0), which
 * leaves unknown spend as `costMicros` moves to billed, so the month counts each call once.
 */
export type LateCostSettled = Message<
  'LateCostSettled',
  { reservationId: string; costMicros: number; resolvedUnknownMicros?: number; at: string }
>;

/**
 * A request was refused because the hard cap left no room for it: recorded once per month and hard
 * cap value (the refused reservation itself rolls back and leaves no event), so operators hear of it.
 */
export type HardCapReached = Message<
  'HardCapReached',
  {
    hardCapMicros: number;
    spendMicros: number;
    reservedMicros: number;
    unknownMicros: number;
    refusedPriceMicros: number;
    at: string;
  }
>;

export type BudgetEvent = BudgetCapSet | TierDowngraded | TierRestored | LateCostSettled | HardCapReached;

// ---- commands -----------------------------------------------------------------------------

/** The configured caps, which apply until an admin sets the month's own (BudgetCapSet). */
export type BudgetDefaults = Readonly<{ defaultCapMicros: number; defaultHardCapMicros: number | null }>;

/**
 * A cap left out (undefined) keeps the month's current one (its own, else the configured default
 * in `defaults`); a null hard cap removes it.
 */
export type SetBudgetCap = Message<
  'SetBudgetCap',
  {
    capMicros?: number;
    hardCapMicros?: number | null;
    defaults?: BudgetDefaults;
    totals: BudgetTotals;
    now: Date;
  }
>;

/**
 * Sent when a reservation finds that the next Premium image would pass the soft cap; `totals` are
 * the month's figures before that reservation.
 */
export type DowngradeTier = Message<
  'DowngradeTier',
  BudgetDefaults & { totals: BudgetTotals; premiumPriceMicros: number; now: Date }
>;

export type SettleLateCost = Message<
  'SettleLateCost',
  { reservationId: string; costMicros: number; resolvedUnknownMicros?: number; now: Date }
>;

export type EvaluateBudget = Message<'EvaluateBudget', BudgetDefaults & { totals: BudgetTotals; now: Date }>;

/** Sent to a month's stream when it starts; `previousMonthTier` is the previous month's final tier. */
export type RecordNewMonth = Message<'RecordNewMonth', { previousMonthTier: Tier; now: Date }>;

/** Sent after the hard cap refused a request; `totals` are the month's figures it was refused on. */
export type RecordHardCapReached = Message<
  'RecordHardCapReached',
  { hardCapMicros: number; refusedPriceMicros: number; totals: BudgetTotals; now: Date }
>;

export type BudgetCommand =
  | SetBudgetCap
  | DowngradeTier
  | SettleLateCost
  | EvaluateBudget
  | RecordNewMonth
  | RecordHardCapReached;
