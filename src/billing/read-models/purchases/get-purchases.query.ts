import { Query } from '@nestjs/cqrs';

export interface PurchaseView {
  readonly sessionId: string;
  readonly pack: string;
  readonly credits: number;
  readonly amountUsd: number;
  readonly currency: string;
  readonly status: 'open' | 'paid' | 'failed';
  readonly createdAt: string;
  readonly paidAt: string | null;
  readonly refundedUsd: number;
  readonly creditsTakenBack: number;
}

export interface PurchaseEntryView {
  readonly kind: string;
  readonly sessionId: string;
  /** Change to the credits the purchase granted: + bought or given back, - taken back. */
  readonly credits: number;
  /** Change to the account's debt: + credits already spent when they were taken back, - debt paid. */
  readonly debtChange: number;
  readonly amountUsd: number;
  readonly currency: string;
  readonly at: string;
}

export interface PurchaseHistoryView {
  readonly purchases: PurchaseView[];
  readonly entries: PurchaseEntryView[];
  readonly debtCredits: number;
}

/** A user's checkouts, purchases, failed payments, refunds and disputes, newest first. */
export class GetPurchases extends Query<PurchaseHistoryView> {
  constructor(readonly userId: string) {
    super();
  }
}
