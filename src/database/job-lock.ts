import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Database, type DedicatedSession } from './database';

/**
 * Runs a scheduled job once across replicas (STYLE.md rule 12): a session advisory lock named
 * after the job, held on one dedicated connection for the life of the process. A replica that
 * cannot take the lock skips the run; a failing job is logged and reported as no result.
 */
@Injectable()
export class JobLock implements OnApplicationShutdown {
  private readonly logger = new Logger('jobs');
  private session: Promise<DedicatedSession> | undefined;

  constructor(private readonly database: Database) {}

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
