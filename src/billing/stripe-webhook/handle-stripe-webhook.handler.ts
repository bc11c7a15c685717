import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { Database } from '../../database/database';
import type { AccountCommand } from '../domain/account';
import { StripeGateway } from '../checkout/stripe-gateway';
import {
  findCheckoutByPaymentIntent,
  findCheckoutBySession,
  recordWebhookDelivery,
  type CheckoutRow,
} from '../read-models/purchases/purchases.reads';
import { AccountStream } from '../streams/account-stream';
import { HandleStripeWebhook, type WebhookOutcome } from './handle-stripe-webhook.command';
import { webhookActionOf, type WebhookAction } from './stripe-events';

/**
 * Verify, then in one transaction: resolve the checkout the service recorded, mark the Stripe
 * event id received, and run the account command. A repeated event id is answered without doing
 * anything; a second event about the same session is decided away by the account (granted once).
 * A failure rolls everything back, so Stripe's next delivery starts over.
 */
@CommandHandler(HandleStripeWebhook)
export class HandleStripeWebhookHandler
  implements ICommandHandler<HandleStripeWebhook, { received: true; outcome: WebhookOutcome }>
{
  private readonly logger = new Logger('StripeWebhook');

  constructor(
    private readonly stripe: StripeGateway,
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly account: AccountStream,
  ) {}

  async execute({ rawBody, signature, requestId }: HandleStripeWebhook) {
    const event = this.stripe.verifyWebhook(rawBody, signature);
    const action = webhookActionOf(event);
    if (action.kind === 'ignore') return { received: true as const, outcome: 'ignored' as const };
    const sessionId = action.kind === 'reversal' ? await this.sessionOf(action.paymentIntentId) : action.sessionId;
    const now = this.clock.now();
    const outcome = await this.database.transaction(async (tx): Promise<WebhookOutcome> => {
      const checkout = sessionId === null ? undefined : await findCheckoutBySession(tx, sessionId);
      if (!checkout) {
        this.logger.warn(`Stripe event ${event.id} (${event.type}) is about no checkout of this service; ignored`);
        return 'ignored';
      }
      if (!(await recordWebhookDelivery(tx, event.id, event.type, now))) return 'duplicate';
      const metadata = { actor: 'stripe', requestId, stripeEventId: event.id, stripeEventType: event.type };
      await this.account.run(checkout.user_id, commandFor(action, checkout, now), metadata, tx);
      return 'processed';
    });
    return { received: true as const, outcome };
  }

  /**
   * A refund or dispute names the payment intent. The purchase records it once paid; a reversal
   * delivered before the payment asks Stripe for the session, and the account then refuses it
   * (409) until the payment is in, so Stripe delivers it again.
   */
  private async sessionOf(paymentIntentId: string): Promise<string | null> {
    const known = await findCheckoutByPaymentIntent(this.database, paymentIntentId);
    return known ? known.session_id : this.stripe.sessionIdForPaymentIntent(paymentIntentId);
  }
}

function commandFor(
  action: Exclude<WebhookAction, { kind: 'ignore' }>,
  checkout: CheckoutRow,
  now: Date,
): AccountCommand {
  const sessionId = checkout.session_id;
  switch (action.kind) {
    case 'purchase':
      return { type: 'RecordPurchase', data: { sessionId, paymentIntentId: action.paymentIntentId, now } };
    case 'failure':
      return { type: 'RecordPurchaseFailure', data: { sessionId, now } };
    case 'reversal':
      return {
        type: 'RecordPaymentReversal',
        data: { sessionId, reference: action.reference, change: action.change, now },
      };
  }
}
