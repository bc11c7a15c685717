// The account aggregate: its messages, state and evolve, decide and views live in ./account/.
import { decide } from './account/decide';
import { evolve, initialState } from './account/state';

export * from './account/messages';
export { decide } from './account/decide';
export {
  evolve,
  initialState,
  type AccountState,
  type OpenReservation,
  type SettledReservation,
} from './account/state';
export * from './account/views';

export function accountStreamId(userId: string): string {
  return `account-${userId}`;
}

/** The aggregate as the command handler and the tests take it. */
export const accountDecider = { decide, evolve, initialState };
