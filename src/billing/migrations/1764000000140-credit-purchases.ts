import type { MigrationInterface, QueryRunner } from 'typeorm';
import { creditCheckoutsTable, creditPurchaseEntriesTable } from '../read-models/purchases/purchases.tables';

/**
 * Buying credits: the checkouts and purchase history read models, and the Stripe event ids already
 * received (a repeated delivery is answered without doing anything again).
 */
export class CreditPurchases1764000000140 implements MigrationInterface {
  name = 'CreditPurchases1764000000140';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(creditCheckoutsTable.createSql(creditCheckoutsTable.name));
    await runner.query('CREATE INDEX credit_checkouts_user ON credit_checkouts (user_id, started_at)');
    await runner.query(
      'CREATE UNIQUE INDEX credit_checkouts_payment_intent ON credit_checkouts (payment_intent_id) WHERE payment_intent_id IS NOT NULL',
    );
    await runner.query(creditPurchaseEntriesTable.createSql(creditPurchaseEntriesTable.name));
    await runner.query(
      'CREATE INDEX credit_purchase_entries_user ON credit_purchase_entries (user_id, global_position)',
    );
    await runner.query(
      `CREATE TABLE stripe_webhook_deliveries (
         event_id text PRIMARY KEY,
         type text NOT NULL,
         received_at timestamptz NOT NULL
       )`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE stripe_webhook_deliveries');
    await runner.query('DROP TABLE credit_purchase_entries');
    await runner.query('DROP TABLE credit_checkouts');
  }
}
