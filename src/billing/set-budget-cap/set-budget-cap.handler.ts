import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../common/clock';
import { monthOf } from '../../common/utc-time';
import { Database } from '../../database/database';
import { budgetDefaultsOf } from '../budget-defaults';
import type { BudgetView } from '../domain/budget';
import { BudgetViews } from '../read-models/budget-months/budget-views';
import { BudgetStream } from '../streams/budget-stream';
import { MonthStart } from '../streams/month-start';
import { SetBudgetCap } from './set-budget-cap.command';

/**
 * A raised cap restores Premium when the month's spend fits under it again. A cap left out keeps
 * the value it has under the budget stream's lock (so two concurrent changes of one cap each never
 * undo the other's).
 */
@CommandHandler(SetBudgetCap)
export class SetBudgetCapHandler implements ICommandHandler<SetBudgetCap, BudgetView> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly budget: BudgetStream,
    private readonly monthStart: MonthStart,
    private readonly views: BudgetViews,
  ) {}

  async execute({ capMicros, hardCapMicros, metadata }: SetBudgetCap): Promise<BudgetView> {
    const now = this.clock.now();
    const month = monthOf(now);
    await this.monthStart.ensureStarted(month, metadata);
    await this.database.transaction((tx) =>
      this.budget.run(
        tx,
        month,
        (totals) => ({
          type: 'SetBudgetCap',
          data: { capMicros, hardCapMicros, defaults: budgetDefaultsOf(this.config), totals, now },
        }),
        metadata,
      ),
    );
    this.views.changed();
    return (await this.views.budget(undefined, { fresh: true })).view;
  }
}
