import { Inject, Injectable, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Cron, SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { JobLock } from '../database/job-lock';
import { EvaluateBudget } from './evaluate-budget/evaluate-budget.command';
import { ExpireReservations } from './expire-reservations/expire-reservations.command';
import { ResetDailyQuota } from './reset-daily-quota/reset-daily-quota.command';
import type { ExpiredReservation } from './reservation';

/**
 * Scheduled jobs (STYLE.md rule 12): thin, named, idempotent, run once across replicas through a
 * session advisory lock; each dispatches commands. Nothing depends on them running on time: the free allowance is computed
 * from the clock's UTC day, and an expired reservation cannot be captured even before its release.
 */
@Injectable()
export class BillingJobs implements OnApplicationBootstrap {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly jobLock: JobLock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly scheduler?: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.scheduler) return;
    const timer = setInterval(() => void this.budgetAndExpiry(), this.config.jobIntervalSeconds * 1000);
    this.scheduler.addInterval('budget-and-expiry', timer);
  }

  @Cron('0 0 0 * * *', { name: 'daily-quota-reset', timeZone: 'UTC' })
  async dailyQuotaReset(): Promise<void> {
    await this.once('daily-quota-reset', () => this.commandBus.execute(new ResetDailyQuota()));
  }

  /** Every JOB_INTERVAL_SECONDS (a minute by default); the expiry listeners have run when it returns. */
  async budgetAndExpiry(): Promise<ExpiredReservation[] | undefined> {
    return this.once('budget-and-expiry', async () => {
      await this.commandBus.execute(new EvaluateBudget());
      return this.commandBus.execute(new ExpireReservations());
    });
  }

  /** Runs `work` unless another replica runs the same job right now. */
  once<T>(job: string, work: () => Promise<T>): Promise<T | undefined> {
    return this.jobLock.once(job, work);
  }
}
