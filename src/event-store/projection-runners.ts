import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import type { HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessChecks } from '../common/readiness-checks';
import { AppendSignals } from './append-signals';
import { AsyncProjectionRunner, type AsyncRunnerOptions, type RunnerStatus } from './async-projection-runner';
import { ProjectionRegistry } from './projection-registry';

export interface ProjectionRunnerSettings {
  readonly runner?: Omit<AsyncRunnerOptions, 'wake' | 'onError'>;
  /** Readiness is down while an async projection is more events behind than this. */
  readonly maxReadyLag?: number;
}

export const PROJECTION_RUNNER_SETTINGS = Symbol('PROJECTION_RUNNER_SETTINGS');

export interface ProjectionStatus extends RunnerStatus {
  readonly lag: number;
}

/**
 * The async runners of this process: live tables created before anything starts, one runner per
 * async projection started once the application is up and stopped (finishing their batch) before
 * the database closes, and a readiness check "projections".
 */
@Injectable()
export class ProjectionRunners implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projections');
  private readonly signals: AppendSignals;
  private readonly runners: AsyncProjectionRunner[];
  private readonly maxReadyLag: number;

  constructor(
    private readonly registry: ProjectionRegistry,
    @Inject(PROJECTION_RUNNER_SETTINGS) settings: ProjectionRunnerSettings,
    @Optional() private readonly readiness?: ReadinessChecks,
  ) {
    const onError = (error: unknown, projection?: string) =>
      this.logger.error({ projection, message: error instanceof Error ? error.message : String(error) });
    this.signals = new AppendSignals(registry.store, { onError });
    this.runners = registry
      .asyncProjections()
      .map(
        (projection) =>
          new AsyncProjectionRunner(registry.store, projection, { ...settings.runner, wake: this.signals, onError }),
      );
    this.maxReadyLag = settings.maxReadyLag ?? 10_000;
  }

  async onModuleInit(): Promise<void> {
    await this.registry.ensureTables();
    this.readiness?.add((indicators) => this.readinessCheck(indicators));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.runners.length === 0) return;
    await this.signals.start();
    for (const runner of this.runners) runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
    await this.signals.stop();
  }

  runner(name: string): AsyncProjectionRunner {
    const runner = this.runners.find((candidate) => candidate.projection.name === name);
    if (!runner) throw new Error(`No async runner for projection ${name}`);
    return runner;
  }

  async statuses(): Promise<ProjectionStatus[]> {
    return Promise.all(
      this.runners.map(async (runner) => ({ ...runner.status(), lag: await runner.lag(this.maxReadyLag + 1) })),
    );
  }

  private async readinessCheck(indicators: HealthIndicatorService) {
    const indicator = indicators.check('projections');
    try {
      const statuses = await this.statuses();
      const healthy = statuses.every((status) => !status.failing && status.lag <= this.maxReadyLag);
      // The database's own words stay in the log (and /metrics says which runner fails), never in a public answer.
      const projections = statuses.map(({ projection, state, failing, lag }) => ({ projection, state, failing, lag }));
      const details = { maxLag: this.maxReadyLag, projections };
      return healthy ? indicator.up(details) : indicator.down(details);
    } catch (error) {
      this.logger.warn({ message: error instanceof Error ? error.message : String(error) }, 'readiness: lag unknown');
      return indicator.down({ message: 'projection lag could not be read' });
    }
  }
}
