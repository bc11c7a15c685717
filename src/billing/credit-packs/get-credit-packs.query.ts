import { Query } from '@nestjs/cqrs';

export interface CreditPackView {
  readonly id: string;
  readonly credits: number;
  readonly priceUsd: number;
  readonly currency: string;
}

/** The packs on sale (`CREDIT_PACKS`), as `GET /v1/credits/packs` shows them. */
export class GetCreditPacks extends Query<{ packs: CreditPackView[] }> {}
