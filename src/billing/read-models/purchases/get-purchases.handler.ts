import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Database } from '../../../database/database';
import { microsToDollars } from '../../domain/money';
import { GetPurchases, type PurchaseHistoryView } from './get-purchases.query';
import { readPurchaseHistory } from './purchases.reads';

@QueryHandler(GetPurchases)
export class GetPurchasesHandler implements IQueryHandler<GetPurchases, PurchaseHistoryView> {
  constructor(private readonly database: Database) {}

  async execute({ userId }: GetPurchases): Promise<PurchaseHistoryView> {
    const { checkouts, entries, debtCredits } = await readPurchaseHistory(this.database, userId);
    return {
      purchases: checkouts.map((row) => ({
        sessionId: row.session_id,
        pack: row.pack_id,
        credits: row.credits,
        amountUsd: microsToDollars(Number(row.amount_micros)),
        currency: row.currency,
        status: row.status,
        createdAt: new Date(row.started_at).toISOString(),
        paidAt: row.paid_at === null ? null : new Date(row.paid_at).toISOString(),
        refundedUsd: microsToDollars(Number(row.refunded_micros)),
        creditsTakenBack: row.credits_taken_back,
      })),
      entries: entries.map((row) => ({
        kind: row.kind,
        sessionId: row.session_id,
        credits: row.credits,
        debtChange: row.debt_change,
        amountUsd: microsToDollars(Number(row.amount_micros)),
        currency: row.currency,
        at: new Date(row.at).toISOString(),
      })),
      debtCredits,
    };
  }
}
