import { Inject, Injectable, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { JobLock } from '../database/job-lock';
import { PurgeExpiredRows, type PurgedRows } from './purge-expired/purge-expired.command';

/**
 * The generation flow's scheduled job (STYLE.md rule 12): every JOB_INTERVAL_SECONDS, once across
 * replicas, the retention purge. Nothing depends on its timing: an idempotency key past its
 * retention is only kept a little longer, and an old rate-limit window counts nothing either way.
 */
@Injectable()
export class GenerationJobs implements OnApplicationBootstrap {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly jobLock: JobLock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly scheduler?: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.scheduler) return;
    const timer = setInterval(() => void this.retention(), this.config.jobIntervalSeconds * 1000);
    this.scheduler.addInterval('retention', timer);
  }

  /** Undefined when another replica runs it right now (or it failed; the job lock logs why). */
  retention(): Promise<PurgedRows | undefined> {
    return this.jobLock.once('retention', () => this.commandBus.execute(new PurgeExpiredRows()));
  }
}
