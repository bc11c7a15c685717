import type Stripe from 'stripe';
import { MICROS_PER_MINOR_UNIT } from '../checkout/stripe-gateway';

/** What a verified Stripe event asks of the service; `ignore` for every type it does not act on. */
export type WebhookAction =
  | { kind: 'purchase'; sessionId: string; paymentIntentId: string | null }
  | { kind: 'failure'; sessionId: string }
  | {
      kind: 'reversal';
      paymentIntentId: string;
      reference: string;
      change:
        | { cause: 'refund'; refundedMicros: number }
        | { cause: 'dispute'; disputeId: string; amountMicros: number; outcome: 'open' | 'lost' | 'won' };
    }
  | { kind: 'ignore'; reason: string };

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}

/** Reads the event Stripe signed; amounts arrive in minor units (cents) and leave as micro-units. */
export function webhookActionOf(event: Stripe.Event): WebhookAction {
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = event.data.object;
      // A delayed payment method completes the session unpaid; async_payment_succeeded follows.
      if (session.payment_status !== 'paid')
        return { kind: 'ignore', reason: `payment_status ${session.payment_status}` };
      return { kind: 'purchase', sessionId: session.id, paymentIntentId: idOf(session.payment_intent) };
    }
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object;
      return { kind: 'purchase', sessionId: session.id, paymentIntentId: idOf(session.payment_intent) };
    }
    case 'checkout.session.async_payment_failed':
      return { kind: 'failure', sessionId: event.data.object.id };
    case 'charge.refunded': {
      const charge = event.data.object;
      const paymentIntentId = idOf(charge.payment_intent);
      if (!paymentIntentId) return { kind: 'ignore', reason: 'a charge without a payment intent' };
      return {
        kind: 'reversal',
        paymentIntentId,
        reference: charge.id,
        change: { cause: 'refund', refundedMicros: charge.amount_refunded * MICROS_PER_MINOR_UNIT },
      };
    }
    case 'charge.dispute.created':
    case 'charge.dispute.closed': {
      const dispute = event.data.object;
      const paymentIntentId = idOf(dispute.payment_intent);
      if (!paymentIntentId) return { kind: 'ignore', reason: 'a dispute without a payment intent' };
      const outcome = dispute.status === 'won' ? 'won' : dispute.status === 'lost' ? 'lost' : 'open';
      if (event.type === 'charge.dispute.closed' && outcome === 'open') {
        return { kind: 'ignore', reason: `dispute closed as ${dispute.status}` };
      }
      return {
        kind: 'reversal',
        paymentIntentId,
        reference: dispute.id,
        change: {
          cause: 'dispute',
          disputeId: dispute.id,
          amountMicros: dispute.amount * MICROS_PER_MINOR_UNIT,
          outcome,
        },
      };
    }
    default:
      return { kind: 'ignore', reason: `event type ${event.type}` };
  }
}
