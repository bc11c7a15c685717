import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { microsToDollars } from '../domain/money';
import { GetCreditPacks, type CreditPackView } from './get-credit-packs.query';

@QueryHandler(GetCreditPacks)
export class GetCreditPacksHandler implements IQueryHandler<GetCreditPacks, { packs: CreditPackView[] }> {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  execute(): Promise<{ packs: CreditPackView[] }> {
    const { packs, currency, stripeSecretKey } = this.config.purchases;
    // Nothing is on sale while purchases are disabled: a page offers no pack it cannot sell.
    if (stripeSecretKey === undefined) return Promise.resolve({ packs: [] });
    return Promise.resolve({
      packs: packs.map((pack) => ({
        id: pack.id,
        credits: pack.credits,
        priceUsd: microsToDollars(pack.priceMicros),
        currency,
      })),
    });
  }
}
