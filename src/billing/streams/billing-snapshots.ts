import type { SnapshotCodec } from '../../event-store/command-handler';
import type { AccountState } from '../domain/account';
import type { BudgetState } from '../domain/budget';

// Both deciders keep plain-JSON state, so a snapshot is the state itself.

/**
 * Version 2: the account state no longer keeps the day of the last quota reset. Version 3: open
 * reservations keep their tier and price. Version 4: the debt and the purchases.
 */
export const accountSnapshot: SnapshotCodec<AccountState> = {
  version: 4,
  serialize: (s) => s,
  deserialize: (j) => j as AccountState,
};

/** Version 3: the budget state keeps the hard cap whose refusals were recorded. */
export const budgetSnapshot: SnapshotCodec<BudgetState> = {
  version: 3,
  serialize: (s) => s,
  deserialize: (j) => j as BudgetState,
};
