import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { Clock } from '../../../common/clock';
import { monthOf } from '../../../common/utc-time';
import { Database } from '../../../database/database';
import { EventStore } from '../../../event-store/event-store';
import { accountDecider, accountStreamId, creditStatus, type CreditStatus } from '../../domain/account';
import type { CreditStatusView } from '../../reservation';
import { BudgetViews } from '../budget-months/budget-views';
import { foldUntil } from '../fold-until';
import { accountStatusOf, creditStatusView, readCreditStatusRow } from './credit-status.reads';
import { GetCreditStatus } from './get-credit-status.query';

/**
 * `GET /v1/credits` (API.md): now, from the balance row and the month's budget row, read in one
 * statement; with `at`, as it was then, from the events.
 */
@QueryHandler(GetCreditStatus)
export class GetCreditStatusHandler implements IQueryHandler<GetCreditStatus, CreditStatusView> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: EventStore,
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly budgets: BudgetViews,
  ) {}

  async execute({ userId, at, known }: GetCreditStatus): Promise<CreditStatusView> {
    if (at) {
      const { view } = await this.budgets.budget(at);
      return creditStatusView(userId, await this.accountAt(userId, at), view, this.config.freeDailyQuota);
    }
    const now = this.clock.now();
    const month = monthOf(now);
    const version = this.budgets.readVersion();
    // A capture's statement returns the row as it left it: read only when it did not, or when its
    // month is not this one.
    const row =
      known && (known.budget === null || known.budget.month === month)
        ? known
        : await readCreditStatusRow(this.database, userId, month);
    const view = this.budgets.fromRow(month, row.budget ?? undefined, version);
    return creditStatusView(
      userId,
      accountStatusOf(row, now, this.config.freeDailyQuota),
      view,
      this.config.freeDailyQuota,
    );
  }

  private async accountAt(userId: string, at: Date): Promise<CreditStatus> {
    const state = foldUntil(await this.store.readStream(accountStreamId(userId), { until: at }), accountDecider);
    return creditStatus(state, at, this.config.freeDailyQuota);
  }
}
