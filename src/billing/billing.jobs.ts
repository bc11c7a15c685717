import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Cron, SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Database, type DedicatedSession } from '../database/database';
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
export class BillingJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('jobs');
  private session: Promise<DedicatedSession> | undefined;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly database: Database,
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

  async once<T>(job: string, work: () => Promise<T>): Promise<T | undefined> {
    let session: DedicatedSession;
    try {
      session = await (this.session ??= this.database.openSession());
    } catch (error) {
      this.session = undefined;
      this.logger.warn({ job, message: (error as Error).message }, 'job skipped: no database session');
      return undefined;
    }
    const key = `job:${job}`;
    try {
      if (!(await session.tryAdvisoryLock(key))) return undefined;
    } catch (error) {
      this.session = undefined;
      await session.close();
      this.logger.warn({ job, message: (error as Error).message }, 'job skipped: lock failed');
      return undefined;
    }
    try {
      const result = await work();
      this.logger.log({ job, result: Array.isArray(result) ? result.length : result }, 'job ran');
      return result;
    } catch (error) {
      this.logger.error({ job, message: (error as Error).message }, 'job failed');
      return undefined;
    } finally {
      await session.unlock(key).catch(() => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const session = await this.session?.catch(() => undefined);
    await session?.close();
  }
}
