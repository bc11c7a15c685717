import { decide } from './decide';
import { evolve, initialState } from './state';

export * from './messages';
export { decide } from './decide';
export { evolve, initialState, type AccountState, type OpenReservation, type SettledReservation } from './state';
export * from './views';

export function accountStreamId(userId: string): string {
  return `account-${userId}`;
}

/** The aggregate as the command handler and the tests take it. */
export const accountDecider = { decide, evolve, initialState };
