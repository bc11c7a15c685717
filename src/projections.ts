import type { Projection } from './event-store/projection';
import { ANALYTICS_PROJECTIONS } from './analytics/projections';
import { accountBalancesProjection } from './billing/read-models/account-balances/account-balances.projection';
import { purchasesProjection } from './billing/read-models/purchases/purchases.projection';
import { generationsProjection } from './generation/read-models/generations/generations.projection';
import { selectionsProjection } from './generation/read-models/selections/selections.projection';

/**
 * Every projection of the service, rebuilt in this order. Each module appends its own here (as
 * migrations are listed in ALL_MIGRATIONS), so the service and the CLI see the same list without
 * starting Nest.
 */
export const ALL_PROJECTIONS: readonly Projection[] = [
  accountBalancesProjection,
  purchasesProjection,
  generationsProjection,
  selectionsProjection,
  ...ANALYTICS_PROJECTIONS,
];
