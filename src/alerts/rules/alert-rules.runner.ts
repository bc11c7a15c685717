import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { EventStore } from '../../event-store/event-store';
import { AsyncProjectionRunner } from '../../event-store/async-projection-runner';
import { budgetDefaultsOf } from '../../billing/budget-defaults';
import { AlertDispatcher } from '../dispatch/alert-dispatcher';
import { alertRulesReactor } from './alert-rules.projection';

/**
 * Runs the alert rules in this process: the runners of all replicas elect one leader (advisory
 * lock), which reads the events after the shared checkpoint; the others stand by.
 */
@Injectable()
export class AlertRulesRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Alerts');
  readonly runner: AsyncProjectionRunner;

  constructor(@Inject(APP_CONFIG) config: AppConfig, store: EventStore, dispatcher: AlertDispatcher) {
    const reactor = alertRulesReactor({
      thresholdPercents: config.alerts.thresholdPercents,
      forecastMinDays: config.alerts.forecastMinDays,
      budgetDefaults: budgetDefaultsOf(config),
      onRecorded: () => dispatcher.wake(),
    });
    this.runner = new AsyncProjectionRunner(store, reactor, {
      onError: (error) => this.logger.error({ message: (error as Error).message }, 'alert rules failed'),
    });
  }

  onApplicationBootstrap(): void {
    this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}
