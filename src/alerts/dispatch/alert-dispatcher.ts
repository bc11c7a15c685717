import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Database } from '../../database/database';
import { leaseDueAlerts, markDelivered, markFailed, type AlertRow } from '../outbox/alert-outbox.queries';

const BATCH = 10;
/** Longer than a request may take: a lease that runs out belongs to a process that died. */
const LEASE_PER_TIMEOUT = 3;

/** The wait before attempt `attempts + 1`: the base doubled for each failure, up to the maximum. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
}

/**
 * Delivers the outbox's due alerts as Standard Webhooks, in every replica: leases are taken with
 * FOR UPDATE SKIP LOCKED and committed before the call, so replicas share the work without
 * sending one alert twice at once. A failure is retried with exponential back-off, and after
 * ALERT_MAX_ATTEMPTS the alert is dead until an admin re-queues it. Delivery is at least once
 * (a process killed between the receiver's answer and the commit sends again); every attempt
 * carries the alert's id as `webhook-id`, by which receivers deduplicate.
 */
@Injectable()
export class AlertDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Alerts');
  private readonly webhook: Webhook | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: Database,
  ) {
    const { webhookUrl, webhookSecret } = config.alerts;
    this.webhook = webhookUrl && webhookSecret ? new Webhook(webhookSecret) : undefined;
  }

  onApplicationBootstrap(): void {
    if (!this.webhook) return;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
  }

  /** New alerts were recorded: look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      let leased = 0;
      try {
        const leaseMs = LEASE_PER_TIMEOUT * this.config.alerts.deliveryTimeoutMs;
        const due = await leaseDueAlerts(this.database, BATCH, leaseMs);
        leased = due.length;
        await Promise.all(due.map((alert) => this.deliver(alert)));
      } catch (error) {
        this.logger.error({ message: (error as Error).message }, 'alert dispatch failed');
      }
      if (leased === 0 && !this.woken) await this.sleep(this.config.alerts.dispatchIntervalMs);
    }
  }

  private async deliver(alert: AlertRow): Promise<void> {
    const { webhookUrl, maxAttempts, retryBaseMs, retryMaxMs } = this.config.alerts;
    let failure: string;
    try {
      // The signature's time is the moment of sending (receivers reject old ones), not the clock of the events.
      const sentAt = new Date();
      const response = await fetch(webhookUrl as string, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': alert.id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': (this.webhook as Webhook).sign(alert.id, sentAt, alert.body),
        },
        body: alert.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.alerts.deliveryTimeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        await markDelivered(this.database, alert.id);
        this.logger.log({ alert: alert.id, type: alert.type, attempts: alert.attempts }, 'alert delivered');
        return;
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = (error as Error).message;
    }
    const dead = alert.attempts >= maxAttempts;
    await markFailed(
      this.database,
      alert.id,
      failure,
      dead ? { dead } : { dead, retryInMs: retryDelayMs(alert.attempts, retryBaseMs, retryMaxMs) },
    );
    this.logger.warn(
      { alert: alert.id, type: alert.type, attempts: alert.attempts, dead, failure },
      'alert not delivered',
    );
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping || this.woken) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
