import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { previousMonth } from '../../common/utc-time';
import { Database } from '../../database/database';
import type { EventMetadata } from '../../event-store/event-types';
import { BudgetViews } from '../read-models/budget-months/budget-views';
import { BudgetStream } from './budget-stream';

/**
 * The first budget command of a month (per process) records whether last month's downgrade is
 * carried over or ends; in its own transaction, before the command that needs it.
 */
@Injectable()
export class MonthStart {
  private readonly monthsStarted = new Set<string>();

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly budget: BudgetStream,
    private readonly views: BudgetViews,
  ) {}

  async ensureStarted(month: string, metadata: EventMetadata): Promise<void> {
    if (this.monthsStarted.has(month)) return;
    await this.database.transaction(async (tx) => {
      const previous = await this.budget.load(tx, previousMonth(month));
      if (previous.version === 0) return;
      const now = this.clock.now();
      await this.budget.run(
        tx,
        month,
        () => ({ type: 'RecordNewMonth', data: { previousMonthTier: previous.state.premium.tier, now } }),
        metadata,
      );
    });
    this.views.changed();
    this.monthsStarted.add(month);
  }
}
