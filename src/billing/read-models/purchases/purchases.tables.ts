import type { ProjectionTable } from '../../../event-store/projection';

/**
 * Every Checkout Session the service opened, by session: whose it is, the pack it sold and what
 * became of it. The webhook resolves the user and the pack here (by session, or by payment intent
 * for refunds and disputes), never from what the webhook's metadata says.
 */
export const creditCheckoutsTable: ProjectionTable = {
  name: 'credit_checkouts',
  keyColumns: ['session_id'],
  createSql: (table) => `
    CREATE TABLE ${table} (
      session_id text PRIMARY KEY,
      user_id text NOT NULL,
      pack_id text NOT NULL,
      credits integer NOT NULL,
      amount_micros bigint NOT NULL,
      currency text NOT NULL,
      status text NOT NULL,
      payment_intent_id text,
      started_at timestamptz NOT NULL,
      paid_at timestamptz,
      refunded_micros bigint NOT NULL DEFAULT 0,
      credits_taken_back integer NOT NULL DEFAULT 0
    )`,
};

/** A user's purchases, failed payments, refunds and disputes, one row per account event. */
export const creditPurchaseEntriesTable: ProjectionTable = {
  name: 'credit_purchase_entries',
  keyColumns: ['global_position'],
  createSql: (table) => `
    CREATE TABLE ${table} (
      global_position bigint PRIMARY KEY,
      user_id text NOT NULL,
      session_id text NOT NULL,
      kind text NOT NULL,
      credits integer NOT NULL,
      debt_change integer NOT NULL,
      amount_micros bigint NOT NULL,
      currency text NOT NULL,
      at timestamptz NOT NULL
    )`,
};
