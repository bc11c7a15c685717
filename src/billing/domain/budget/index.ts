import { decide } from './decide';
import { evolve, initialState } from './state';

export * from './messages';
export { decide, decideReservation, type ReservationDecision, type ReservationRequest } from './decide';
export { effectiveCaps, evolve, initialState, type BudgetCaps, type BudgetState, type PremiumStatus } from './state';
export * from './views';

export function budgetStreamId(month: string): string {
  return `budget-${month}`;
}

/** The aggregate as the command handler and the tests take it. */
export const budgetDecider = { decide, evolve, initialState };
