// The budget aggregate: its messages, state and evolve, decide and views live in ./budget/.
import { decide } from './budget/decide';
import { evolve, initialState } from './budget/state';

export * from './budget/messages';
export {
  assertHoldRaiseAllowed,
  decide,
  decideReservation,
  type ReservationDecision,
  type ReservationRequest,
} from './budget/decide';
export {
  effectiveCaps,
  evolve,
  initialState,
  type BudgetCaps,
  type BudgetState,
  type PremiumStatus,
} from './budget/state';
export * from './budget/views';

export function budgetStreamId(month: string): string {
  return `budget-${month}`;
}

/** The aggregate as the command handler and the tests take it. */
export const budgetDecider = { decide, evolve, initialState };
