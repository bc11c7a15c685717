import { Query } from '@nestjs/cqrs';
import type { Tier } from '../../../config/app-config';

/** `GET /v1/admin/budget`: this month's budget in dollars, read fresh, with the month's forecast. */
export interface BudgetOverview {
  readonly month: string;
  /** Provider cost billed. */
  readonly spendUsd: number;
  /** Prices held by generations running now. */
  readonly reservedUsd: number;
  /** Provider calls whose outcome is not known, at their price; counted against the caps. */
  readonly unknownUsd: number;
  readonly capUsd: number;
  readonly hardCapUsd: number | null;
  readonly tier: Tier;
  readonly downgradedAt: string | null;
  readonly forecastUsd: number;
}

export class GetBudgetOverview extends Query<BudgetOverview> {}
