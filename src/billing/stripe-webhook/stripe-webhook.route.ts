/** The one route whose raw body is kept: Stripe signs the bytes it sent, not the parsed JSON. */
export const STRIPE_WEBHOOK_PATH = '/v1/webhooks/stripe';
