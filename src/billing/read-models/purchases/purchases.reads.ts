import type { Sql } from '../../../database/database';

export interface CheckoutRow {
  readonly session_id: string;
  readonly user_id: string;
  readonly pack_id: string;
  readonly credits: number;
  readonly amount_micros: string | number;
  readonly currency: string;
  readonly status: 'open' | 'paid' | 'failed';
  readonly payment_intent_id: string | null;
  readonly started_at: Date;
  readonly paid_at: Date | null;
  readonly refunded_micros: string | number;
  readonly credits_taken_back: number;
}

export interface PurchaseEntryRow {
  readonly global_position: string | number;
  readonly session_id: string;
  readonly kind: string;
  readonly credits: number;
  readonly debt_change: number;
  readonly amount_micros: string | number;
  readonly currency: string;
  readonly at: Date;
}

export async function findCheckoutBySession(sql: Sql, sessionId: string): Promise<CheckoutRow | undefined> {
  const [row] = await sql.query<CheckoutRow>('SELECT * FROM credit_checkouts WHERE session_id = $1', [sessionId]);
  return row;
}

export async function findCheckoutByPaymentIntent(sql: Sql, paymentIntentId: string): Promise<CheckoutRow | undefined> {
  const [row] = await sql.query<CheckoutRow>('SELECT * FROM credit_checkouts WHERE payment_intent_id = $1', [
    paymentIntentId,
  ]);
  return row;
}

/** A user's checkouts, newest first, and every entry of their purchase history, newest first. */
export async function readPurchaseHistory(
  sql: Sql,
  userId: string,
): Promise<{ checkouts: CheckoutRow[]; entries: PurchaseEntryRow[]; debtCredits: number }> {
  const checkouts = await sql.query<CheckoutRow>(
    'SELECT * FROM credit_checkouts WHERE user_id = $1 ORDER BY started_at DESC, session_id',
    [userId],
  );
  const entries = await sql.query<PurchaseEntryRow>(
    'SELECT * FROM credit_purchase_entries WHERE user_id = $1 ORDER BY global_position DESC',
    [userId],
  );
  const [balance] = await sql.query<{ debt_credits: string | number }>(
    'SELECT debt_credits FROM account_balances WHERE user_id = $1',
    [userId],
  );
  return { checkouts, entries, debtCredits: Number(balance?.debt_credits ?? 0) };
}

/**
 * Records a Stripe event id as received, in the caller's transaction: false when it already was
 * (a repeated delivery), which waits for a concurrent delivery of the same event to commit first.
 */
export async function recordWebhookDelivery(sql: Sql, eventId: string, type: string, at: Date): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO stripe_webhook_deliveries (event_id, type, received_at) VALUES ($1, $2, $3)
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [eventId, type, at.toISOString()],
  );
  return rows.length === 1;
}
