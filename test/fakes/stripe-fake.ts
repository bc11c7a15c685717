import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { FakeServer, jsonReply, type FakeReply, type FakeRequest, type FaultScope } from './fake-server';

export interface FakeStripeOptions {
  readonly secretKey: string;
  /** The signing secret of the webhook endpoint events are sent to (`whsec_...`). */
  readonly webhookSecret: string;
  readonly port?: number;
  readonly latencyMs?: number;
  /**
   * Where opening a session's checkout URL sends the signed `checkout.session.completed` (the
   * buyer "pays" by visiting it); without it, tests deliver events themselves with `deliver`.
   */
  readonly webhookUrl?: string;
}

type Fields = Readonly<Record<string, string | string[]>>;

/** A Checkout Session as Stripe's API answers it (the fields the service and its tests read). */
export interface FakeSession {
  id: string;
  object: 'checkout.session';
  mode: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid' | 'no_payment_required';
  amount_total: number;
  amount_subtotal: number;
  currency: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  success_url: string;
  cancel_url: string;
  payment_intent: string | null;
  url: string | null;
  created: number;
  livemode: false;
  line_items_sent: Array<{ name: string; unit_amount: number; quantity: number }>;
}

export interface SignedDelivery {
  readonly status: number;
  readonly body: unknown;
}

const API_VERSION = '2025-10-29.clover';

function id(prefix: string): string {
  return `${prefix}_test_${randomBytes(12).toString('hex')}`;
}

function field(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Stripe's Checkout Sessions API (`POST /v1/checkout/sessions`, `GET /v1/checkout/sessions/{id}`),
 * form-encoded as the official SDK sends it, with `Idempotency-Key` replays; and the other side:
 * paying, failing, refunding and disputing a session, as the signed events Stripe would send.
 */
export class FakeStripe extends FakeServer {
  private readonly sessions = new Map<string, FakeSession>();
  private readonly idempotent = new Map<string, { raw: string; reply: FakeReply }>();
  private readonly charges = new Map<string, { id: string; amount: number; refunded: number; sessionId: string }>();

  constructor(private readonly config: FakeStripeOptions) {
    super({ port: config.port, latencyMs: config.latencyMs });
  }

  session(sessionId: string): FakeSession {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`the fake Stripe has no session ${sessionId}`);
    return session;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * The buyer pays on Stripe's page: the session completes. A card payment is paid at once; a
   * delayed method (`async`) completes unpaid, and its outcome comes later (`asyncOutcome`).
   */
  complete(sessionId: string, options: { async?: boolean } = {}): Stripe.Event {
    const session = this.session(sessionId);
    session.status = 'complete';
    session.payment_intent = session.payment_intent ?? id('pi');
    if (!options.async) this.markPaid(session);
    return this.event('checkout.session.completed', { ...session });
  }

  /** A delayed payment's outcome: `succeeded` makes the session paid. */
  asyncOutcome(sessionId: string, outcome: 'succeeded' | 'failed'): Stripe.Event {
    const session = this.session(sessionId);
    if (outcome === 'succeeded') this.markPaid(session);
    return this.event(`checkout.session.async_payment_${outcome}`, { ...session });
  }

  /** Refunds `amount` more (minor units) of the session's charge; the event carries the refunded total. */
  refund(sessionId: string, amount: number): Stripe.Event {
    const charge = this.chargeOf(sessionId);
    charge.refunded = Math.min(charge.amount, charge.refunded + amount);
    return this.event('charge.refunded', this.chargeObject(charge));
  }

  dispute(sessionId: string, amount: number, state: 'created' | 'won' | 'lost', disputeId = id('dp')): Stripe.Event {
    const charge = this.chargeOf(sessionId);
    const status = state === 'created' ? 'needs_response' : state;
    return this.event(state === 'created' ? 'charge.dispute.created' : 'charge.dispute.closed', {
      id: disputeId,
      object: 'dispute',
      amount,
      currency: this.session(sessionId).currency,
      charge: charge.id,
      payment_intent: this.session(sessionId).payment_intent,
      status,
      reason: 'fraudulent',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
    });
  }

  /** An event of any type, in Stripe's envelope. */
  event(type: string, object: object): Stripe.Event {
    return {
      id: id('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: Math.floor(Date.now() / 1000),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    } as unknown as Stripe.Event;
  }

  /** The header Stripe would send with `payload`, signed with the endpoint's secret at `timestamp` (seconds). */
  signatureFor(payload: string, options: { timestamp?: number; secret?: string } = {}): string {
    return Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.secret ?? this.config.webhookSecret,
      timestamp: options.timestamp,
    });
  }

  /** Sends `event` to a webhook endpoint as Stripe does: the JSON body and its `Stripe-Signature`. */
  async deliver(
    url: string,
    event: Stripe.Event,
    options: { timestamp?: number; secret?: string; tamper?: (payload: string) => string } = {},
  ): Promise<SignedDelivery> {
    const payload = JSON.stringify(event, null, 2);
    const signature = this.signatureFor(payload, options);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
      body: options.tamper ? options.tamper(payload) : payload,
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: response.status, body };
  }

  protected override resetState(): void {
    this.sessions.clear();
    this.idempotent.clear();
    this.charges.clear();
  }

  protected scopeOf(): FaultScope {
    return 'api';
  }

  protected errorReply(status: number): FakeReply {
    const type = status >= 500 ? 'api_error' : 'invalid_request_error';
    return jsonReply(status, { error: { type, message: `fake Stripe error ${status}` } });
  }

  protected async handle(req: FakeRequest): Promise<FakeReply> {
    const pay = /^\/c\/pay\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && pay) return this.payPage(decodeURIComponent(pay[1]!));
    if (req.headers.authorization !== `Bearer ${this.config.secretKey}`) {
      return jsonReply(401, {
        error: { type: 'invalid_request_error', message: 'Invalid API Key provided', code: 'api_key_invalid' },
      });
    }
    const key = req.headers['idempotency-key'];
    const idempotencyKey = typeof key === 'string' ? key : undefined;
    if (req.method === 'POST' && idempotencyKey !== undefined) {
      const earlier = this.idempotent.get(idempotencyKey);
      const raw = req.raw.toString('utf8');
      if (earlier && earlier.raw !== raw) {
        return jsonReply(400, {
          error: {
            type: 'idempotency_error',
            message:
              'Keys for idempotent requests can only be used with the same parameters they were first used with.',
          },
        });
      }
      if (earlier) return { ...earlier.reply, headers: { ...earlier.reply.headers, 'idempotent-replayed': 'true' } };
      const reply = this.route(req);
      if (reply.status < 500) this.idempotent.set(idempotencyKey, { raw, reply });
      return reply;
    }
    return this.route(req);
  }

  /** The buyer opens the checkout URL and pays by card: the session completes and its event is sent. */
  private async payPage(sessionId: string): Promise<FakeReply> {
    if (!this.sessions.has(sessionId)) return this.missing(`No such checkout.session: '${sessionId}'`);
    const event = this.complete(sessionId);
    if (!this.config.webhookUrl) return jsonReply(200, { paid: true, sessionId, event: event.id });
    const delivered = await this.deliver(this.config.webhookUrl, event);
    return jsonReply(200, { paid: true, sessionId, event: event.id, webhook: delivered });
  }

  private route(req: FakeRequest): FakeReply {
    if (req.method === 'POST' && req.path === '/v1/checkout/sessions') return this.createSession(req.fields);
    if (req.method === 'GET' && req.path === '/v1/checkout/sessions') {
      const paymentIntent = req.query.get('payment_intent');
      const data = [...this.sessions.values()].filter((s) => !paymentIntent || s.payment_intent === paymentIntent);
      const limit = Number(req.query.get('limit') ?? '10');
      return jsonReply(200, {
        object: 'list',
        data: data.slice(0, limit),
        has_more: data.length > limit,
        url: req.path,
      });
    }
    const match = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && match) {
      const session = this.sessions.get(decodeURIComponent(match[1]!));
      return session ? jsonReply(200, session) : this.missing(`No such checkout.session: '${match[1]}'`);
    }
    return this.missing(`Unrecognized request URL (${req.method}: ${req.path})`);
  }

  private createSession(fields: Fields): FakeReply {
    const required = ['mode', 'success_url', 'line_items[0][price_data][currency]'];
    const absent = required.find((name) => field(fields, name) === undefined);
    if (absent) return this.invalid(`Missing required param: ${absent}.`, absent);
    const unitAmount = Number(field(fields, 'line_items[0][price_data][unit_amount]'));
    const quantity = Number(field(fields, 'line_items[0][quantity]') ?? '1');
    if (!Number.isInteger(unitAmount) || unitAmount < 1) {
      return this.invalid(
        'Invalid integer: line_items[0][price_data][unit_amount]',
        'line_items[0][price_data][unit_amount]',
      );
    }
    const metadata = Object.fromEntries(
      Object.entries(fields)
        .filter(([name]) => /^metadata\[[^\]]+\]$/.test(name))
        .map(([name, value]) => [name.slice('metadata['.length, -1), Array.isArray(value) ? value[0]! : value]),
    );
    const sessionId = `cs_test_${randomBytes(24).toString('hex')}`;
    const session: FakeSession = {
      id: sessionId,
      object: 'checkout.session',
      mode: field(fields, 'mode')!,
      status: 'open',
      payment_status: 'unpaid',
      amount_total: unitAmount * quantity,
      amount_subtotal: unitAmount * quantity,
      currency: field(fields, 'line_items[0][price_data][currency]')!,
      client_reference_id: field(fields, 'client_reference_id') ?? null,
      metadata,
      success_url: field(fields, 'success_url')!,
      cancel_url: field(fields, 'cancel_url') ?? '',
      payment_intent: null,
      url: `${this.url}/c/pay/${sessionId}`,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      line_items_sent: [
        {
          name: field(fields, 'line_items[0][price_data][product_data][name]') ?? '',
          unit_amount: unitAmount,
          quantity,
        },
      ],
    };
    this.sessions.set(sessionId, session);
    return jsonReply(200, session, { 'request-id': id('req') });
  }

  private markPaid(session: FakeSession): void {
    session.payment_status = 'paid';
    const existing = [...this.charges.values()].find((c) => c.sessionId === session.id);
    if (!existing) {
      const charge = { id: id('ch'), amount: session.amount_total, refunded: 0, sessionId: session.id };
      this.charges.set(charge.id, charge);
    }
  }

  private chargeOf(sessionId: string): { id: string; amount: number; refunded: number; sessionId: string } {
    const charge = [...this.charges.values()].find((c) => c.sessionId === sessionId);
    if (!charge) throw new Error(`session ${sessionId} was never paid`);
    return charge;
  }

  private chargeObject(charge: { id: string; amount: number; refunded: number; sessionId: string }): object {
    return {
      id: charge.id,
      object: 'charge',
      amount: charge.amount,
      amount_captured: charge.amount,
      amount_refunded: charge.refunded,
      currency: this.session(charge.sessionId).currency,
      payment_intent: this.session(charge.sessionId).payment_intent,
      paid: true,
      refunded: charge.refunded === charge.amount,
      status: 'succeeded',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
    };
  }

  private invalid(message: string, param: string): FakeReply {
    return jsonReply(400, { error: { type: 'invalid_request_error', message, param } });
  }

  private missing(message: string): FakeReply {
    return jsonReply(404, { error: { type: 'invalid_request_error', message, code: 'resource_missing' } });
  }
}

export async function startFakeStripe(options: FakeStripeOptions): Promise<FakeStripe> {
  return new FakeStripe(options).listen();
}
