import { DomainError } from '../../common/domain-error';
import type { Tier } from '../../config/app-config';
import { assertWholeNumber } from './money';

// The service's monthly provider budget (DESIGN.md): spend, in-flight reservations, soft and hard
// caps, and whether Premium requests are downgraded. One stream per UTC month.

/** `YYYY-MM` of a date in UTC: the budget month a reservation belongs to. */
export function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

export function previousMonth(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number);
  return monthOf(new Date(Date.UTC(year, monthNumber - 2, 1)));
}

export function budgetStreamId(month: string): string {
  return `budget-${month}`;
}

export type RestoreReason = 'cap_raised' | 'new_month' | 'spend_below_cap';

/** Commands and events are plain readonly data tagged with the type string the store keeps. */
type Message<Type extends string, Data> = Readonly<{ type: Type; data: Readonly<Data> }>;

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

export type BudgetReserved = Message<
  'BudgetReserved',
  { reservationId: string; tier: Tier; priceMicros: number; at: string }
>;

export type BudgetSettled = Message<'BudgetSettled', { reservationId: string; costMicros: number; at: string }>;

export type BudgetReleased = Message<'BudgetReleased', { reservationId: string; at: string }>;

export type BudgetEvent =
  | BudgetCapSet
  | TierDowngraded
  | TierRestored
  | BudgetReserved
  | BudgetSettled
  | BudgetReleased;

// ---- commands -----------------------------------------------------------------------------

/** The configured caps, which apply until an admin sets the month's own (BudgetCapSet). */
export type BudgetDefaults = Readonly<{ defaultCapMicros: number; defaultHardCapMicros: number | null }>;

export type SetBudgetCap = Message<'SetBudgetCap', { capMicros: number; hardCapMicros: number | null; now: Date }>;

export type ReserveBudget = Message<
  'ReserveBudget',
  BudgetDefaults & {
    reservationId: string;
    requestedTier: Tier;
    premiumPriceMicros: number;
    standardPriceMicros: number;
    now: Date;
  }
>;

export type SettleBudget = Message<'SettleBudget', { reservationId: string; costMicros: number; now: Date }>;

export type ReleaseBudget = Message<'ReleaseBudget', { reservationId: string; now: Date }>;

export type EvaluateBudget = Message<'EvaluateBudget', BudgetDefaults & { now: Date }>;

/** Sent to a month's stream when it starts; `previousMonthTier` is the previous month's final tier. */
export type RecordNewMonth = Message<'RecordNewMonth', { previousMonthTier: Tier; now: Date }>;

export type BudgetCommand =
  | SetBudgetCap
  | ReserveBudget
  | SettleBudget
  | ReleaseBudget
  | EvaluateBudget
  | RecordNewMonth;

// ---- state --------------------------------------------------------------------------------

export type BudgetCaps = Readonly<{ capMicros: number; hardCapMicros: number | null }>;

export type OpenBudgetReservation = Readonly<{ reservationId: string; tier: Tier; priceMicros: number }>;

export type PremiumStatus = Readonly<
  | { tier: 'premium' }
  | { tier: 'standard'; downgradedAt: string; capMicros: number; nextPremiumPriceMicros: number }
>;

/** Plain JSON, so it can be snapshotted as is. */
export type BudgetState = Readonly<{
  /** Null until an admin sets the month's caps: the configured defaults apply. */
  caps: BudgetCaps | null;
  /** Settled provider cost of the month. */
  spendMicros: number;
  /** Prices of reservations still in flight. */
  reservedMicros: number;
  premium: PremiumStatus;
  openReservations: readonly OpenBudgetReservation[];
  /** The latest settled ids, so a repeated settle adds nothing. */
  recentlySettled: readonly string[];
  newMonthRecorded: boolean;
}>;

/**
 * A repeated settle is a retry seconds later. A settle that is neither open nor remembered is
 * still counted as spend: the provider was paid, and over-counting only errs toward the cap.
 */
const SETTLEMENTS_REMEMBERED = 200;

export function initialState(): BudgetState {
  return {
    caps: null,
    spendMicros: 0,
    reservedMicros: 0,
    premium: { tier: 'premium' },
    openReservations: [],
    recentlySettled: [],
    newMonthRecorded: false,
  };
}

// ---- decide -------------------------------------------------------------------------------

export function decide(command: BudgetCommand, state: BudgetState): readonly BudgetEvent[] {
  switch (command.type) {
    case 'SetBudgetCap':
      return setCap(command.data, state);
    case 'ReserveBudget':
      return reserve(command.data, state);
    case 'SettleBudget': {
      const { reservationId, costMicros, now } = command.data;
      assertWholeNumber('costMicros', costMicros, 0);
      if (!findOpen(state, reservationId) && state.recentlySettled.includes(reservationId)) return [];
      return [{ type: 'BudgetSettled', data: { reservationId, costMicros, at: now.toISOString() } }];
    }
    case 'ReleaseBudget': {
      const { reservationId, now } = command.data;
      if (!findOpen(state, reservationId)) return [];
      return [{ type: 'BudgetReleased', data: { reservationId, at: now.toISOString() } }];
    }
    case 'EvaluateBudget': {
      const { capMicros } = effectiveCaps(state, command.data);
      if (!premiumFitsAgain(state, capMicros)) return [];
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
  const { capMicros, hardCapMicros, now } = command;
  assertWholeNumber('capMicros', capMicros, 0);
  if (hardCapMicros !== null) assertWholeNumber('hardCapMicros', hardCapMicros, capMicros);
  const events: BudgetEvent[] = [
    { type: 'BudgetCapSet', data: { capMicros, hardCapMicros, setAt: now.toISOString() } },
  ];
  if (state.premium.tier === 'standard' && premiumFitsAgain(state, capMicros)) {
    const reason = capMicros > state.premium.capMicros ? 'cap_raised' : 'spend_below_cap';
    events.push({ type: 'TierRestored', data: { reason, at: now.toISOString() } });
  }
  return events;
}

/**
 * Chooses the tier the budget allows. The downgrade is recorded on the transition only, so
 * serial decisions per stream (expected-version appends) yield exactly one TierDowngraded; and
 * whichever tier was requested, so the budget's tier always says whether Premium still fits.
 */
function reserve(command: ReserveBudget['data'], state: BudgetState): readonly BudgetEvent[] {
  const { reservationId, requestedTier, premiumPriceMicros, standardPriceMicros, now } = command;
  assertWholeNumber('premiumPriceMicros', premiumPriceMicros, 0);
  assertWholeNumber('standardPriceMicros', standardPriceMicros, 0);
  if (findOpen(state, reservationId)) {
    throw new DomainError('invalid_state', `Budget reservation ${reservationId} already exists`, { reservationId });
  }
  const caps = effectiveCaps(state, command);
  const committed = state.spendMicros + state.reservedMicros;
  const events: BudgetEvent[] = [];
  let premiumAllowed = state.premium.tier === 'premium';
  if (premiumAllowed && committed + premiumPriceMicros > caps.capMicros) {
    premiumAllowed = false;
    events.push({
      type: 'TierDowngraded',
      data: {
        reason: 'soft_cap_exceeded',
        spendMicros: state.spendMicros,
        reservedMicros: state.reservedMicros,
        nextPremiumPriceMicros: premiumPriceMicros,
        capMicros: caps.capMicros,
        at: now.toISOString(),
      },
    });
  }
  const tier: Tier = requestedTier === 'premium' && premiumAllowed ? 'premium' : 'standard';
  const priceMicros = tier === 'premium' ? premiumPriceMicros : standardPriceMicros;
  if (caps.hardCapMicros !== null && committed + priceMicros > caps.hardCapMicros) {
    throw new DomainError(
      'budget_exhausted',
      `The monthly hard cap of ${caps.hardCapMicros} micro-dollars leaves no room for another ${tier} image`,
      { hardCapMicros: caps.hardCapMicros, spendMicros: state.spendMicros, reservedMicros: state.reservedMicros },
    );
  }
  events.push({ type: 'BudgetReserved', data: { reservationId, tier, priceMicros, at: now.toISOString() } });
  return events;
}

/** Measured with the Premium price that caused the downgrade, so no pricing is needed here. */
function premiumFitsAgain(state: BudgetState, capMicros: number): boolean {
  if (state.premium.tier === 'premium') return false;
  return state.spendMicros + state.reservedMicros + state.premium.nextPremiumPriceMicros <= capMicros;
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
    case 'BudgetReserved': {
      const { reservationId, tier, priceMicros } = event.data;
      return {
        ...state,
        reservedMicros: state.reservedMicros + priceMicros,
        openReservations: [...state.openReservations, { reservationId, tier, priceMicros }],
      };
    }
    case 'BudgetSettled': {
      const { reservationId, costMicros } = event.data;
      const open = findOpen(state, reservationId);
      return {
        ...withoutOpen(state, open),
        spendMicros: state.spendMicros + costMicros,
        recentlySettled: [...state.recentlySettled, reservationId].slice(-SETTLEMENTS_REMEMBERED),
      };
    }
    case 'BudgetReleased':
      return withoutOpen(state, findOpen(state, event.data.reservationId));
    default:
      return unreachable(event);
  }
}

function withoutOpen(state: BudgetState, open: OpenBudgetReservation | undefined): BudgetState {
  if (!open) return state;
  return {
    ...state,
    reservedMicros: state.reservedMicros - open.priceMicros,
    openReservations: state.openReservations.filter((other) => other.reservationId !== open.reservationId),
  };
}

/** The aggregate as the command handler and the tests take it. */
export const budgetDecider = { decide, evolve, initialState };

// ---- queries ------------------------------------------------------------------------------

export function effectiveCaps(state: BudgetState, defaults: BudgetDefaults): BudgetCaps {
  return state.caps ?? { capMicros: defaults.defaultCapMicros, hardCapMicros: defaults.defaultHardCapMicros };
}

function findOpen(state: BudgetState, reservationId: string): OpenBudgetReservation | undefined {
  return state.openReservations.find((open) => open.reservationId === reservationId);
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

export function budgetView(state: BudgetState, defaults: BudgetDefaults): BudgetView {
  const caps = effectiveCaps(state, defaults);
  return {
    spendMicros: state.spendMicros,
    reservedMicros: state.reservedMicros,
    capMicros: caps.capMicros,
    hardCapMicros: caps.hardCapMicros,
    tier: state.premium.tier,
    downgradedAt: state.premium.tier === 'standard' ? state.premium.downgradedAt : null,
  };
}

function unreachable(value: never): never {
  throw new Error(`Unhandled budget message ${JSON.stringify(value)}`);
}
