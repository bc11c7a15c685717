import { Query } from '@nestjs/cqrs';
import type { BudgetView } from '../../domain/budget';

/**
 * The month's budget as shown to users and used to pick which cached image may serve a request
 * (cached for a second per process unless `fresh`); with `at`, as it was then.
 */
export class GetBudget extends Query<{ month: string; view: BudgetView }> {
  constructor(
    readonly at?: Date,
    readonly fresh = false,
  ) {
    super();
  }
}
