import { ConfigError, raw, redactUrl, secret, url, type Env } from './env';

/** A pack of paid credits sold through Stripe Checkout (`CREDIT_PACKS`). */
export interface CreditPack {
  /** The credit count as a string, unless named `id=credits:price`. */
  readonly id: string;
  readonly credits: number;
  /** The price in micro-units of `PurchaseConfig.currency` (integer money inside, STYLE.md). */
  readonly priceMicros: number;
}

/** Buying credits: the packs on sale, and Stripe when it is configured. */
export interface PurchaseConfig {
  readonly packs: readonly CreditPack[];
  /** ISO 4217 code in lower case, as Stripe writes it. */
  readonly currency: string;
  /** Unset: purchases are disabled (`503 purchases_disabled`). */
  readonly stripeSecretKey: string | undefined;
  readonly stripeWebhookSecret: string | undefined;
  /** Another endpoint for the Stripe API (a fake in tests); unset = Stripe's own. */
  readonly stripeApiBase: string | undefined;
  readonly successUrl: string;
  readonly cancelUrl: string;
}

export const DEFAULT_CREDIT_PACKS = '10:5.00,50:20.00';
const PACK = /^(?:([A-Za-z0-9_-]{1,40})=)?(\d{1,7}):(\d{1,7}(?:\.\d{1,2})?)$/;
const MICROS_PER_UNIT = 1_000_000;

export function parseCreditPacks(value: string): CreditPack[] {
  const expected =
    'a comma-separated list of credits:price (e.g. 10:5.00,50:20.00), each optionally named id=credits:price, ' +
    'with 1 to 1000000 credits, a price above 0 with at most 2 decimals, and distinct ids';
  const packs = value.split(',').map((part) => {
    const match = PACK.exec(part.trim());
    if (!match) throw new ConfigError('CREDIT_PACKS', expected, value);
    const [, name, creditsText, priceText] = match;
    const credits = Number(creditsText);
    const priceMicros = Math.round(Number(priceText) * MICROS_PER_UNIT);
    if (credits < 1 || credits > 1_000_000 || priceMicros <= 0) throw new ConfigError('CREDIT_PACKS', expected, value);
    return { id: name ?? creditsText, credits, priceMicros };
  });
  if (new Set(packs.map((pack) => pack.id)).size !== packs.length) {
    throw new ConfigError('CREDIT_PACKS', expected, value);
  }
  return packs;
}

export function parsePurchaseConfig(env: Env, publicBaseUrl: string): PurchaseConfig {
  const currency = (raw(env, 'CREDIT_CURRENCY') ?? 'usd').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) {
    throw new ConfigError('CREDIT_CURRENCY', 'a three-letter ISO 4217 currency code (e.g. usd, eur)', currency);
  }
  const stripeSecretKey = secret(env, 'STRIPE_SECRET_KEY', 8, 'a Stripe secret key (sk_... or rk_...)');
  if (stripeSecretKey !== undefined && !/^(sk|rk)_/.test(stripeSecretKey)) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'a Stripe secret key (sk_... or rk_...)', '<redacted>');
  }
  const stripeWebhookSecret = secret(env, 'STRIPE_WEBHOOK_SECRET', 8, 'a webhook signing secret (whsec_...)');
  if (stripeWebhookSecret !== undefined && !stripeWebhookSecret.startsWith('whsec_')) {
    throw new ConfigError('STRIPE_WEBHOOK_SECRET', 'a webhook signing secret (whsec_...)', '<redacted>');
  }
  // Without the webhook secret nothing sold could ever be granted: refuse to sell.
  if (stripeSecretKey !== undefined && stripeWebhookSecret === undefined) {
    throw new ConfigError(
      'STRIPE_WEBHOOK_SECRET',
      'set when STRIPE_SECRET_KEY is (the webhook grants what Checkout sells)',
      undefined,
    );
  }
  const stripeApiBase = url(env, 'STRIPE_API_BASE', ['http:', 'https:']);
  if (stripeApiBase !== undefined && new URL(stripeApiBase).pathname.replace(/\/$/, '') !== '') {
    throw new ConfigError(
      'STRIPE_API_BASE',
      'a URL without a path (e.g. http://127.0.0.1:12111)',
      redactUrl(stripeApiBase),
    );
  }
  return {
    packs: parseCreditPacks(raw(env, 'CREDIT_PACKS') ?? DEFAULT_CREDIT_PACKS),
    currency,
    stripeSecretKey,
    stripeWebhookSecret,
    stripeApiBase,
    successUrl:
      url(env, 'CHECKOUT_SUCCESS_URL', ['http:', 'https:']) ??
      `${publicBaseUrl}/?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
    cancelUrl: url(env, 'CHECKOUT_CANCEL_URL', ['http:', 'https:']) ?? `${publicBaseUrl}/?checkout=cancelled`,
  };
}
