import { Command } from '@nestjs/cqrs';
import type { EventMetadata } from '../../event-store/event-types';

export interface CheckoutCreated {
  readonly checkoutUrl: string;
  readonly sessionId: string;
}

/**
 * Opens a Stripe Checkout Session for one of the packs and records it on the user's account, so
 * the webhook later grants the pack the service sold, to the user it sold it to. `requestKey`
 * (the Idempotency-Key, else the request id) makes a retried request answer the same session.
 */
export class CreateCheckout extends Command<CheckoutCreated> {
  constructor(
    readonly userId: string,
    readonly packId: string,
    readonly requestKey: string,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
