import { Command } from '@nestjs/cqrs';

export type WebhookOutcome = 'processed' | 'duplicate' | 'ignored';

/** A Stripe webhook delivery: verified against its raw body, then acted on once per event and per session. */
export class HandleStripeWebhook extends Command<{ received: true; outcome: WebhookOutcome }> {
  constructor(
    readonly rawBody: Buffer,
    readonly signature: string | undefined,
    readonly requestId: string,
  ) {
    super();
  }
}
