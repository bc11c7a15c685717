import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { Clock } from '../../../common/clock';
import { nextUtcMidnight, utcDayOf } from '../../../common/utc-time';
import { Database } from '../../../database/database';
import { EventStore } from '../../../event-store/event-store';
import { accountDecider, accountStreamId, creditStatus, type CreditStatus } from '../../domain/account';
import { microsToDollars } from '../../domain/money';
import type { CreditStatusView } from '../../reservation';
import { BudgetViews } from '../budget-months/budget-views';
import { foldUntil } from '../fold-until';
import { readBalance, type BalanceRow } from './account-balances.reads';
import { GetCreditStatus } from './get-credit-status.query';

/** `GET /v1/credits` (API.md): from the balance row now; with `at`, as it was then, from the events. */
@QueryHandler(GetCreditStatus)
export class GetCreditStatusHandler implements IQueryHandler<GetCreditStatus, CreditStatusView> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: EventStore,
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly budgets: BudgetViews,
  ) {}

  async execute({ userId, at, balance }: GetCreditStatus): Promise<CreditStatusView> {
    const account = at ? await this.accountAt(userId, at) : await this.accountNow(userId, this.clock.now(), balance);
    const { view } = await this.budgets.budget(at);
    return {
      userId,
      freeRemainingToday: account.freeRemainingToday,
      freeDailyQuota: this.config.freeDailyQuota,
      paidCredits: account.paidCredits,
      reservedCredits: account.reservedCredits,
      monthlySpend: microsToDollars(view.spendMicros),
      monthlyCap: microsToDollars(view.capMicros),
      tier: view.tier,
      quotaResetsAt: account.quotaResetsAt,
    };
  }

  private async accountAt(userId: string, at: Date): Promise<CreditStatus> {
    const state = foldUntil(await this.store.readStream(accountStreamId(userId), { until: at }), accountDecider);
    return creditStatus(state, at, this.config.freeDailyQuota);
  }

  private async accountNow(userId: string, now: Date, known?: BalanceRow): Promise<CreditStatus> {
    const row = known ?? (await readBalance(this.database, userId));
    const usedToday = row && row.free_day === utcDayOf(now) ? Number(row.free_used) : 0;
    return {
      freeRemainingToday: Math.max(0, this.config.freeDailyQuota - usedToday),
      paidCredits: Number(row?.paid_available ?? 0),
      reservedCredits: Number(row?.paid_reserved ?? 0),
      quotaResetsAt: nextUtcMidnight(now).toISOString(),
    };
  }
}
