import type { Sql } from '../../../database/database';
import type { PurchaseEvent } from '../../domain/account';

/**
 * What purchases do to a user's balance row, with the split the account decider made (the events
 * say how much paid the debt and how much came from the spendable balance).
 */
export async function applyPurchaseToBalance(
  tx: Sql,
  balances: string,
  userId: string,
  event: PurchaseEvent,
): Promise<undefined> {
  switch (event.type) {
    case 'CheckoutStarted':
    case 'CreditsPurchaseFailed':
      return;
    case 'CreditsPurchased':
    case 'CreditsRestored': {
      const { credits, debtCovered } = event.data;
      await tx.query(
        `INSERT INTO ${balances} AS b (user_id, paid_available) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE
           SET paid_available = b.paid_available + excluded.paid_available, debt_credits = b.debt_credits - $3`,
        [userId, credits - debtCovered, debtCovered],
      );
      return;
    }
    case 'CreditsTakenBack': {
      const { fromBalance, addedDebt } = event.data;
      await tx.query(
        `INSERT INTO ${balances} AS b (user_id, debt_credits) VALUES ($1, $3)
         ON CONFLICT (user_id) DO UPDATE
           SET paid_available = b.paid_available - $2, debt_credits = b.debt_credits + excluded.debt_credits`,
        [userId, fromBalance, addedDebt],
      );
      return;
    }
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled purchase event ${JSON.stringify(unreachable)}`);
    }
  }
}
