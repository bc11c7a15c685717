import type { Sql } from '../../../database/database';
import type { RecordedEvent } from '../../../event-store/event-types';
import type { Projection, TableNames } from '../../../event-store/projection';
import type { PurchaseEvent } from '../../domain/account';
import { creditCheckoutsTable, creditPurchaseEntriesTable } from './purchases.tables';

const ACCOUNT_STREAM_PREFIX = 'account-';

/**
 * Checkouts and purchase history, in the append's own transaction: the webhook that follows a
 * checkout reads the checkout this projection wrote (STYLE.md rule 7).
 */
export const purchasesProjection: Projection = {
  name: 'credit_purchases',
  kind: 'inline',
  eventTypes: ['CheckoutStarted', 'CreditsPurchased', 'CreditsPurchaseFailed', 'CreditsTakenBack', 'CreditsRestored'],
  tables: [creditCheckoutsTable, creditPurchaseEntriesTable],
  async apply(tx: Sql, events: readonly RecordedEvent[], tables: TableNames): Promise<undefined> {
    for (const event of events) {
      if (!event.streamId.startsWith(ACCOUNT_STREAM_PREFIX)) continue;
      const userId = event.streamId.slice(ACCOUNT_STREAM_PREFIX.length);
      await applyOne(tx, tables, userId, event.globalPosition, event as unknown as PurchaseEvent);
    }
    return undefined;
  },
};

async function applyOne(tx: Sql, t: TableNames, userId: string, position: number, event: PurchaseEvent): Promise<void> {
  const { credit_checkouts: checkouts, credit_purchase_entries: entries } = t;
  // One entry per event, in the currency of the checkout it belongs to.
  const entry = (kind: string, sessionId: string, credits: number, debtChange: number, amount: number, at: string) =>
    tx.query(
      `INSERT INTO ${entries} (global_position, user_id, session_id, kind, credits, debt_change, amount_micros, currency, at)
       SELECT $1, $2, $3, $4, $5, $6, $7, c.currency, $8 FROM ${checkouts} c WHERE c.session_id = $3`,
      [position, userId, sessionId, kind, credits, debtChange, amount, at],
    );
  switch (event.type) {
    case 'CheckoutStarted': {
      const { sessionId, packId, credits, amountMicros, currency, startedAt } = event.data;
      await tx.query(
        `INSERT INTO ${checkouts} (session_id, user_id, pack_id, credits, amount_micros, currency, status, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)`,
        [sessionId, userId, packId, credits, amountMicros, currency, startedAt],
      );
      return;
    }
    case 'CreditsPurchased': {
      const { sessionId, credits, amountMicros, debtCovered, paymentIntentId, purchasedAt } = event.data;
      await tx.query(
        `UPDATE ${checkouts} SET status = 'paid', payment_intent_id = $2, paid_at = $3 WHERE session_id = $1`,
        [sessionId, paymentIntentId, purchasedAt],
      );
      await entry('purchase', sessionId, credits, -debtCovered, amountMicros, purchasedAt);
      return;
    }
    case 'CreditsPurchaseFailed': {
      const { sessionId, failedAt } = event.data;
      await tx.query(`UPDATE ${checkouts} SET status = 'failed' WHERE session_id = $1`, [sessionId]);
      await entry('payment_failed', sessionId, 0, 0, 0, failedAt);
      return;
    }
    case 'CreditsTakenBack': {
      const { sessionId, cause, refundedMicros, amountMicros, credits, addedDebt, at } = event.data;
      await entry(cause, sessionId, -credits, addedDebt, amountMicros, at);
      await tx.query(
        `UPDATE ${checkouts} SET refunded_micros = $2, credits_taken_back = credits_taken_back + $3 WHERE session_id = $1`,
        [sessionId, refundedMicros, credits],
      );
      return;
    }
    case 'CreditsRestored': {
      const { sessionId, amountMicros, credits, debtCovered, at } = event.data;
      await entry('dispute_won', sessionId, credits, -debtCovered, amountMicros, at);
      await tx.query(`UPDATE ${checkouts} SET credits_taken_back = credits_taken_back - $2 WHERE session_id = $1`, [
        sessionId,
        credits,
      ]);
      return;
    }
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled purchase event ${JSON.stringify(unreachable)}`);
    }
  }
}
