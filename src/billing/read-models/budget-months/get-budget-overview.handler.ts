import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import { forecastMicros } from '../../domain/budget';
import { microsToDollars } from '../../domain/money';
import { BudgetViews } from './budget-views';
import { GetBudgetOverview, type BudgetOverview } from './get-budget-overview.query';

@QueryHandler(GetBudgetOverview)
export class GetBudgetOverviewHandler implements IQueryHandler<GetBudgetOverview, BudgetOverview> {
  constructor(
    private readonly views: BudgetViews,
    private readonly clock: Clock,
  ) {}

  async execute(): Promise<BudgetOverview> {
    // The operator's view is read fresh: other replicas' changes included.
    const { month, view } = await this.views.budget(undefined, { fresh: true });
    return {
      month,
      spendUsd: microsToDollars(view.spendMicros),
      reservedUsd: microsToDollars(view.reservedMicros),
      unknownUsd: microsToDollars(view.unknownMicros),
      capUsd: microsToDollars(view.capMicros),
      hardCapUsd: view.hardCapMicros === null ? null : microsToDollars(view.hardCapMicros),
      tier: view.tier,
      downgradedAt: view.downgradedAt,
      forecastUsd: microsToDollars(forecastMicros(view.spendMicros, this.clock.now())),
    };
  }
}
