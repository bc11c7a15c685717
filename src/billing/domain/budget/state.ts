import type { BudgetDefaults, BudgetEvent } from './messages';

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
  /** The hard cap whose refusals were last recorded (HardCapReached); absent in older snapshots. */
  hardCapReachedMicros?: number | null;
}>;

const SETTLEMENTS_REMEMBERED = 200;

export function initialState(): BudgetState {
  return {
    caps: null,
    premium: { tier: 'premium' },
    recentlySettled: [],
    newMonthRecorded: false,
    hardCapReachedMicros: null,
  };
}

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
    case 'HardCapReached':
      return { ...state, hardCapReachedMicros: event.data.hardCapMicros };
    default:
      return unreachable(event);
  }
}

export function effectiveCaps(state: BudgetState, defaults: BudgetDefaults): BudgetCaps {
  return state.caps ?? { capMicros: defaults.defaultCapMicros, hardCapMicros: defaults.defaultHardCapMicros };
}

export function unreachable(value: never): never {
  throw new Error(`Unhandled budget message ${JSON.stringify(value)}`);
}
