import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { BudgetView } from '../../domain/budget';
import { BudgetViews } from './budget-views';
import { GetBudget } from './get-budget.query';

@QueryHandler(GetBudget)
export class GetBudgetHandler implements IQueryHandler<GetBudget, { month: string; view: BudgetView }> {
  constructor(private readonly views: BudgetViews) {}

  execute(query: GetBudget): Promise<{ month: string; view: BudgetView }> {
    return this.views.budget(query.at, { fresh: query.fresh });
  }
}
