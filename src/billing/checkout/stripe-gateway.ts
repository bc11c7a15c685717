import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { APP_CONFIG, type AppConfig, type CreditPack } from '../../config/app-config';
import { DomainError } from '../../common/domain-error';

/** Micro-units per minor unit (cent) of a two-decimal currency: packs have at most 2 decimals. */
export const MICROS_PER_MINOR_UNIT = 10_000;

export interface CheckoutSessionRequest {
  readonly userId: string;
  readonly pack: CreditPack;
  /** Stripe replays the first answer for the same key: a retried request never opens a second session. */
  readonly idempotencyKey: string;
}

export interface CreatedCheckoutSession {
  readonly sessionId: string;
  readonly url: string;
}

/**
 * The official Stripe SDK, pointed at `STRIPE_API_BASE` when set (a fake in tests). Without
 * `STRIPE_SECRET_KEY` there is no client and purchases are disabled.
 */
@Injectable()
export class StripeGateway {
  private readonly client: Stripe | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const { stripeSecretKey, stripeApiBase } = config.purchases;
    if (stripeSecretKey === undefined) return;
    const base = stripeApiBase === undefined ? undefined : new URL(stripeApiBase);
    this.client = new Stripe(stripeSecretKey, {
      maxNetworkRetries: 2,
      timeout: 15_000,
      ...(base && {
        host: base.hostname,
        port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
        protocol: base.protocol === 'https:' ? 'https' : 'http',
      }),
    });
  }

  async createCheckoutSession(request: CheckoutSessionRequest): Promise<CreatedCheckoutSession> {
    const client = this.requireClient();
    const { currency, successUrl, cancelUrl } = this.config.purchases;
    const { pack, userId } = request;
    let session: Stripe.Checkout.Session;
    try {
      session = await client.checkout.sessions.create(
        {
          mode: 'payment',
          client_reference_id: userId,
          metadata: { userId, packId: pack.id },
          payment_intent_data: { metadata: { userId, packId: pack.id } },
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency,
                unit_amount: pack.priceMicros / MICROS_PER_MINOR_UNIT,
                product_data: { name: `${pack.credits} genledger credits` },
              },
            },
          ],
          success_url: successUrl,
          cancel_url: cancelUrl,
        },
        { idempotencyKey: request.idempotencyKey },
      );
    } catch (error) {
      if (error instanceof Stripe.errors.StripeIdempotencyError) {
        throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was used for another checkout');
      }
      const message = error instanceof Error ? error.message : String(error);
      throw new DomainError('payment_provider_failed', `Stripe did not create the checkout session: ${message}`);
    }
    if (!session.url)
      throw new DomainError('payment_provider_failed', 'Stripe answered a checkout session without a URL');
    return { sessionId: session.id, url: session.url };
  }

  /** The Checkout Session that created a payment intent, as Stripe knows it (null when none did). */
  async sessionIdForPaymentIntent(paymentIntentId: string): Promise<string | null> {
    const client = this.requireClient();
    try {
      const sessions = await client.checkout.sessions.list({ payment_intent: paymentIntentId, limit: 1 });
      return sessions.data[0]?.id ?? null;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new DomainError('payment_provider_failed', `Stripe did not answer which session paid: ${message}`);
    }
  }

  /**
   * The event Stripe signed, or `invalid_signature` (a forged or altered body, another secret, or a
   * timestamp outside the SDK's default tolerance of 5 minutes).
   */
  verifyWebhook(rawBody: Buffer, signature: string | undefined): Stripe.Event {
    const secret = this.config.purchases.stripeWebhookSecret;
    if (secret === undefined) {
      throw new DomainError('purchases_disabled', 'Purchases are disabled: STRIPE_WEBHOOK_SECRET is not configured');
    }
    if (!signature) throw new DomainError('invalid_signature', 'The Stripe-Signature header is missing');
    try {
      return Stripe.webhooks.constructEvent(rawBody, signature, secret);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new DomainError('invalid_signature', `The Stripe-Signature does not verify: ${message.split('\n')[0]}`);
    }
  }

  private requireClient(): Stripe {
    if (!this.client) {
      throw new DomainError(
        'purchases_disabled',
        'Purchases are disabled: STRIPE_SECRET_KEY is not configured (README: "Buying credits" shows how to try them against the fake Stripe)',
      );
    }
    return this.client;
  }
}
