import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../common/clock';
import { monthOf } from '../../common/utc-time';
import { Database } from '../../database/database';
import type { EventMetadata } from '../../event-store/event-types';
import { budgetDefaultsOf } from '../budget-defaults';
import type { BudgetView } from '../domain/budget';
import { BudgetViews } from '../read-models/budget-months/budget-views';
import { BudgetStream } from '../streams/budget-stream';
import { MonthStart } from '../streams/month-start';
import { EvaluateBudget } from './evaluate-budget.command';

@CommandHandler(EvaluateBudget)
export class EvaluateBudgetHandler implements ICommandHandler<EvaluateBudget, BudgetView> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly budget: BudgetStream,
    private readonly monthStart: MonthStart,
    private readonly views: BudgetViews,
  ) {}

  async execute(): Promise<BudgetView> {
    const now = this.clock.now();
    const month = monthOf(now);
    const metadata: EventMetadata = { actor: 'job:evaluate-budget' };
    await this.monthStart.ensureStarted(month, metadata);
    const defaults = budgetDefaultsOf(this.config);
    await this.database.transaction((tx) =>
      this.budget.run(
        tx,
        month,
        (totals) => ({ type: 'EvaluateBudget', data: { ...defaults, totals, now } }),
        metadata,
      ),
    );
    this.views.changed();
    return (await this.views.budget(undefined, { fresh: true })).view;
  }
}
