import { DomainError } from '../../common/domain-error';
import type { Tier } from '../../config/app-config';
import { assertWholeNumber } from './money';

// The service's monthly provider budget (DESIGN.md): soft and hard caps and whether Premium
// requests are downgraded, one stream per UTC month. The month's spend and in-flight prices come
// from the account events (see BudgetTotals).

export function budgetStreamId(month: string): string {
  return `budget-${month}`;
}

export type RestoreReason = 'cap_raised' | 'new_month' | 'spend_below_cap';

/** Commands and events are plain readonly data tagged with the type string the store keeps. */
type Message<Type extends string, Data> = Readonly<{ type: Type; data: Readonly<Data> }>;

/**
 * The month's money so far: settled provider cost and the prices of reservations in flight. Kept
 * in the `budget_months` row, which the billing projection updates in the same transaction as the
 * account events that reserve, capture and release (so reservations never queue on this stream);
 * commands read it under that row's lock and hand it in.
 */
export type BudgetTotals = Readonly<{ spendMicros: number; reservedMicros: number }>;

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
 * ReservationCaptured instead.
 */
export type LateCostSettled = Message<'LateCostSettled', { reservationId: string; costMicros: number; at: string }>;

export type BudgetEvent = BudgetCapSet | TierDowngraded | TierRestored | LateCostSettled;

// ---- commands -----------------------------------------------------------------------------

/** The configured caps, which apply until an admin sets the month's own (BudgetCapSet). */
export type BudgetDefaults = Readonly<{ defaultCapMicros: number; defaultHardCapMicros: number | null }>;

export type SetBudgetCap = Message<
  'SetBudgetCap',
  { capMicros: number; hardCapMicros: number | null; totals: BudgetTotals; now: Date }
>;

/**
 * Sent when a reservation finds that the next Premium image would pass the soft cap; `totals` are
 * the month's figures before that reservation.
 */
export type DowngradeTier = Message<
  'DowngradeTier',
  BudgetDefaults & { totals: BudgetTotals; premiumPriceMicros: number; now: Date }
>;

export type SettleLateCost = Message<'SettleLateCost', { reservationId: string; costMicros: number; now: Date }>;

export type EvaluateBudget = Message<'EvaluateBudget', BudgetDefaults & { totals: BudgetTotals; now: Date }>;

/** Sent to a month's stream when it starts; `previousMonthTier` is the previous month's final tier. */
export type RecordNewMonth = Message<'RecordNewMonth', { previousMonthTier: Tier; now: Date }>;

export type BudgetCommand = SetBudgetCap | DowngradeTier | SettleLateCost | EvaluateBudget | RecordNewMonth;

// ---- state --------------------------------------------------------------------------------

export type BudgetCaps = Readonly<{ capMicros: number; hardCapMicros: number | null }>;

export type PremiumStatus = Readonly<
  { tier: 'premium' } | { tier: 'standard'; downgradedAt: string; capMicros: number; nextPremiumPriceMicros: number }
>;

/** Plain JSON, so it can be snapshotted as is. */
export type BudgetState = Readonly<{
  /** Null until an admin sets the month's caps: the configured defaults apply. */
  caps: BudgetCaps | null;
  premium: PremiumStatus;
  /** The latest late settlements, so a repeated one adds nothing. */
  recentlySettled: readonly string[];
  newMonthRecorded: boolean;
}>;

const SETTLEMENTS_REMEMBERED = 200;

export function initialState(): BudgetState {
  return { caps: null, premium: { tier: 'premium' }, recentlySettled: [], newMonthRecorded: false };
}

// ---- decide -------------------------------------------------------------------------------

export function decide(command: BudgetCommand, state: BudgetState): readonly BudgetEvent[] {
  switch (command.type) {
    case 'SetBudgetCap':
      return setCap(command.data, state);
    case 'DowngradeTier': {
      const { totals, premiumPriceMicros, now } = command.data;
      assertWholeNumber('premiumPriceMicros', premiumPriceMicros, 0);
      const downgrade = downgradeFor(state, effectiveCaps(state, command.data), totals, premiumPriceMicros, now);
      return downgrade ? [downgrade] : [];
    }
    case 'SettleLateCost': {
      const { reservationId, costMicros, now } = command.data;
      assertWholeNumber('costMicros', costMicros, 0);
      if (state.recentlySettled.includes(reservationId)) return [];
      return [{ type: 'LateCostSettled', data: { reservationId, costMicros, at: now.toISOString() } }];
    }
    case 'EvaluateBudget': {
      const { capMicros } = effectiveCaps(state, command.data);
      if (!premiumFitsAgain(state, command.data.totals, capMicros)) return [];
      return [{ type: 'TierRestored', data: { reason: 'spend_below_cap', at: command.data.now.toISOString() } }];
    }
    case 'RecordNewMonth': {
      const { previousMonthTier, now } = command.data;
      // A month that already downgraded on its own keeps that; only a carried-over downgrade ends.
      if (previousMonthTier === 'premium' || state.newMonthRecorded || state.premium.tier === 'standard') return [];
      return [{ type: 'TierRestored', data: { reason: 'new_month', at: now.toISOString() } }];
    }
    default:
      return unreachable(command);
  }
}

function setCap(command: SetBudgetCap['data'], state: BudgetState): readonly BudgetEvent[] {
  const { capMicros, hardCapMicros, totals, now } = command;
  assertWholeNumber('capMicros', capMicros, 0);
  if (hardCapMicros !== null) assertWholeNumber('hardCapMicros', hardCapMicros, capMicros);
  const events: BudgetEvent[] = [
    { type: 'BudgetCapSet', data: { capMicros, hardCapMicros, setAt: now.toISOString() } },
  ];
  if (state.premium.tier === 'standard' && premiumFitsAgain(state, totals, capMicros)) {
    const reason = capMicros > state.premium.capMicros ? 'cap_raised' : 'spend_below_cap';
    events.push({ type: 'TierRestored', data: { reason, at: now.toISOString() } });
  }
  return events;
}

function downgradeFor(
  state: BudgetState,
  caps: BudgetCaps,
  totals: BudgetTotals,
  premiumPriceMicros: number,
  now: Date,
): TierDowngraded | null {
  if (state.premium.tier !== 'premium') return null;
  if (totals.spendMicros + totals.reservedMicros + premiumPriceMicros <= caps.capMicros) return null;
  return {
    type: 'TierDowngraded',
    data: {
      reason: 'soft_cap_exceeded',
      spendMicros: totals.spendMicros,
      reservedMicros: totals.reservedMicros,
      nextPremiumPriceMicros: premiumPriceMicros,
      capMicros: caps.capMicros,
      at: now.toISOString(),
    },
  };
}

export type ReservationRequest = BudgetDefaults & {
  requestedTier: Tier;
  premiumPriceMicros: number;
  standardPriceMicros: number;
  now: Date;
};

export interface ReservationDecision {
  readonly tier: Tier;
  readonly priceMicros: number;
  /** The downgrade this reservation records, on the transition only (one per month, serially). */
  readonly downgrade: TierDowngraded | null;
}

/**
 * The tier the budget allows for one more image, given the month's figures before it. Premium is
 * served while spend, in-flight prices and its own price stay within the soft cap; the check runs
 * whichever tier was requested, so the budget's tier always says whether Premium still fits. The
 * hard cap refuses the chosen tier's price with budget_exhausted.
 */
export function decideReservation(
  state: BudgetState,
  totals: BudgetTotals,
  request: ReservationRequest,
): ReservationDecision {
  const { requestedTier, premiumPriceMicros, standardPriceMicros, now } = request;
  assertWholeNumber('premiumPriceMicros', premiumPriceMicros, 0);
  assertWholeNumber('standardPriceMicros', standardPriceMicros, 0);
  const caps = effectiveCaps(state, request);
  const downgrade = downgradeFor(state, caps, totals, premiumPriceMicros, now);
  const premiumAllowed = state.premium.tier === 'premium' && downgrade === null;
  const tier: Tier = requestedTier === 'premium' && premiumAllowed ? 'premium' : 'standard';
  const priceMicros = tier === 'premium' ? premiumPriceMicros : standardPriceMicros;
  const committed = totals.spendMicros + totals.reservedMicros;
  if (caps.hardCapMicros !== null && committed + priceMicros > caps.hardCapMicros) {
    throw new DomainError(
      'budget_exhausted',
      `The monthly hard cap of ${caps.hardCapMicros} micro-dollars leaves no room for another ${tier} image`,
      { hardCapMicros: caps.hardCapMicros, spendMicros: totals.spendMicros, reservedMicros: totals.reservedMicros },
    );
  }
  return { tier, priceMicros, downgrade };
}

/** Measured with the Premium price that caused the downgrade, so no pricing is needed here. */
function premiumFitsAgain(state: BudgetState, totals: BudgetTotals, capMicros: number): boolean {
  if (state.premium.tier === 'premium') return false;
  return totals.spendMicros + totals.reservedMicros + state.premium.nextPremiumPriceMicros <= capMicros;
}

// ---- evolve -------------------------------------------------------------------------------

export function evolve(state: BudgetState, event: BudgetEvent): BudgetState {
  switch (event.type) {
    case 'BudgetCapSet':
      return { ...state, caps: { capMicros: event.data.capMicros, hardCapMicros: event.data.hardCapMicros } };
    case 'TierDowngraded': {
      const { at, capMicros, nextPremiumPriceMicros } = event.data;
      return { ...state, premium: { tier: 'standard', downgradedAt: at, capMicros, nextPremiumPriceMicros } };
    }
    case 'TierRestored':
      return {
        ...state,
        premium: { tier: 'premium' },
        newMonthRecorded: state.newMonthRecorded || event.data.reason === 'new_month',
      };
    case 'LateCostSettled':
      return {
        ...state,
        recentlySettled: [...state.recentlySettled, event.data.reservationId].slice(-SETTLEMENTS_REMEMBERED),
      };
    default:
      return unreachable(event);
  }
}

/** The aggregate as the command handler and the tests take it. */
export const budgetDecider = { decide, evolve, initialState };

// ---- queries ------------------------------------------------------------------------------

export function effectiveCaps(state: BudgetState, defaults: BudgetDefaults): BudgetCaps {
  return state.caps ?? { capMicros: defaults.defaultCapMicros, hardCapMicros: defaults.defaultHardCapMicros };
}

export interface BudgetView {
  readonly spendMicros: number;
  readonly reservedMicros: number;
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
    capMicros: caps.capMicros,
    hardCapMicros: caps.hardCapMicros,
    tier: state.premium.tier,
    downgradedAt: state.premium.tier === 'standard' ? state.premium.downgradedAt : null,
  };
}

function unreachable(value: never): never {
  throw new Error(`Unhandled budget message ${JSON.stringify(value)}`);
}
