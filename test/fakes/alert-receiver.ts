import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One alert as the receiver took it: the first delivery of its `webhook-id`. */
export interface ReceivedAlert {
  readonly id: string;
  readonly body: { type: string; timestamp: string; data: Record<string, any>; text: string };
  readonly raw: string;
  readonly headers: IncomingHttpHeaders;
  readonly at: Date;
}

export interface AlertReceiverOptions {
  /** `whsec_...`; a fresh random one by default. */
  readonly secret?: string;
  readonly port?: number;
}

/**
 * A Standard Webhooks endpoint as an operator would run one: every request's signature is checked
 * with the shared secret (a bad one is answered 400 and not taken), and alerts are deduplicated by
 * `webhook-id`, so `alerts` holds each alert once however often it was delivered. It can be told
 * to fail for a while, as a receiver that is down.
 */
export class AlertReceiver {
  readonly alerts: ReceivedAlert[] = [];
  /** Every request, taken or not, with the time it came and what it was answered (0: held, never answered). */
  readonly requests: Array<{ id: string | undefined; at: Date; status: number }> = [];
  rejectedSignatures = 0;
  private failures = 0;
  private failStatus = 503;
  private failFirstOfEach = 0;
  private holding = false;

  private constructor(
    readonly url: string,
    readonly secret: string,
    private readonly close_: () => Promise<void>,
  ) {}

  static async start(options: AlertReceiverOptions = {}): Promise<AlertReceiver> {
    const secret = options.secret ?? `whsec_${randomBytes(24).toString('base64')}`;
    const webhook = new Webhook(secret);
    const started: { receiver?: AlertReceiver } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const receiver = started.receiver;
        const status = receiver ? receiver.take(webhook, Buffer.concat(chunks).toString('utf8'), request.headers) : 503;
        if (receiver?.holding && status === 200) return;
        response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const receiver = new AlertReceiver(`http://127.0.0.1:${port}/alerts`, secret, async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    started.receiver = receiver;
    return receiver;
  }

  /** The next `count` requests are answered `status` without being looked at. */
  failNext(count: number, status = 503): void {
    this.failures = count;
    this.failStatus = status;
  }

  /** From now on, the first `count` requests of each alert id are answered 503. */
  failFirstAttemptsOfEach(count: number): void {
    this.failFirstOfEach = count;
  }

  /**
   * While on, alerts are taken (checked, deduplicated, kept) but never answered: the sender cannot
   * tell that they arrived, as when the answer is lost.
   */
  holdAnswers(on: boolean): void {
    this.holding = on;
  }

  /** How many requests carried this alert id. */
  attemptsOf(id: string): number {
    return this.requests.filter((request) => request.id === id).length;
  }

  env(): Record<string, string> {
    return { ALERT_WEBHOOK_URL: this.url, ALERT_WEBHOOK_SECRET: this.secret };
  }

  async waitForAlerts(count: number, timeoutMs = 10_000): Promise<ReceivedAlert[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.alerts.length < count) {
      if (Date.now() > deadline)
        throw new Error(
          `expected ${count} alerts, got ${this.alerts.length}: ${this.alerts.map((a) => a.body.text).join(' | ')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.alerts;
  }

  close(): Promise<void> {
    return this.close_();
  }

  private take(webhook: Webhook, raw: string, headers: IncomingHttpHeaders): number {
    const id = typeof headers['webhook-id'] === 'string' ? headers['webhook-id'] : undefined;
    const answer = (status: number) => {
      // A held request is never answered: its status stays 0.
      this.requests.push({ id, at: new Date(), status: this.holding && status === 200 ? 0 : status });
      return status;
    };
    if (this.failures > 0) {
      this.failures -= 1;
      return answer(this.failStatus);
    }
    if (id && this.attemptsOf(id) < this.failFirstOfEach) return answer(503);
    try {
      webhook.verify(raw, headers as Record<string, string>);
    } catch {
      this.rejectedSignatures += 1;
      return answer(400);
    }
    if (id && !this.alerts.some((alert) => alert.id === id)) {
      this.alerts.push({ id, body: JSON.parse(raw), raw, headers, at: new Date() });
    }
    return answer(200);
  }
}
