import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/domain-error';
import { AccountStream } from '../streams/account-stream';
import { CreateCheckout, type CheckoutCreated } from './create-checkout.command';
import { StripeGateway } from './stripe-gateway';

@CommandHandler(CreateCheckout)
export class CreateCheckoutHandler implements ICommandHandler<CreateCheckout, CheckoutCreated> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly stripe: StripeGateway,
    private readonly account: AccountStream,
  ) {}

  async execute({ userId, packId, requestKey, metadata }: CreateCheckout): Promise<CheckoutCreated> {
    const { packs, currency } = this.config.purchases;
    const pack = packs.find((candidate) => candidate.id === packId);
    if (!pack) {
      const known = packs.map((candidate) => candidate.id).join(', ');
      throw new DomainError('validation_failed', `No credit pack ${packId}`, {
        errors: [{ field: 'pack', message: `must be one of ${known}` }],
      });
    }
    const session = await this.stripe.createCheckoutSession({
      userId,
      pack,
      idempotencyKey: `genledger-checkout:${userId}:${requestKey}`,
    });
    // A replayed session is already on the account: the decider records it once.
    await this.account.run(
      userId,
      {
        type: 'StartCheckout',
        data: {
          sessionId: session.sessionId,
          packId: pack.id,
          credits: pack.credits,
          amountMicros: pack.priceMicros,
          currency,
          now: this.clock.now(),
        },
      },
      metadata,
    );
    return { checkoutUrl: session.url, sessionId: session.sessionId };
  }
}
