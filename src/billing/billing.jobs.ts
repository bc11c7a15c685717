import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { Database, type DedicatedSession } from '../database/database';
import { BillingService } from './billing.service';

/**
 * Scheduled jobs (STYLE.md rule 12): thin, named, idempotent, run once across replicas through a
 * session advisory lock. Nothing depends on them running on time: the free allowance is computed
 * from the clock's UTC day, and an expired reservation cannot be captured even before its release.
 */
@Injectable()
export class BillingJobs implements OnApplicationShutdown {
  private readonly logger = new Logger('jobs');
  private session: Promise<DedicatedSession> | undefined;

  constructor(
    private readonly billing: BillingService,
    private readonly database: Database,
  ) {}

  @Cron('0 0 0 * * *', { name: 'daily-quota-reset', timeZone: 'UTC' })
  async dailyQuotaReset(): Promise<void> {
    await this.once('daily-quota-reset', () => this.billing.recordDailyQuotaReset());
  }

  @Cron(CronExpression.EVERY_MINUTE, { name: 'budget-and-expiry', timeZone: 'UTC' })
  async everyMinute(): Promise<void> {
    await this.once('budget-and-expiry', async () => {
      await this.billing.evaluateBudget();
      return this.billing.expireReservations();
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
      this.logger.log({ job, result }, 'job ran');
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
