import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Billing read models: a user's balance and the open reservations the expiry job looks for. */
export class BillingReadModels1764000000100 implements MigrationInterface {
  name = 'BillingReadModels1764000000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE account_balances (
        user_id text PRIMARY KEY,
        paid_available bigint NOT NULL DEFAULT 0,
        paid_reserved bigint NOT NULL DEFAULT 0,
        paid_captured bigint NOT NULL DEFAULT 0,
        paid_granted bigint NOT NULL DEFAULT 0,
        free_day text,
        free_used integer NOT NULL DEFAULT 0,
        CONSTRAINT account_balances_never_negative CHECK (paid_available >= 0 AND paid_reserved >= 0)
      )`);
    await runner.query(`
      CREATE TABLE open_reservations (
        reservation_id text PRIMARY KEY,
        user_id text NOT NULL,
        kind text NOT NULL,
        credits integer NOT NULL,
        day text NOT NULL,
        tier text NOT NULL,
        price_micros bigint NOT NULL,
        generation_id text,
        expires_at timestamptz NOT NULL
      )`);
    await runner.query('CREATE INDEX open_reservations_expiry ON open_reservations (expires_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE open_reservations');
    await runner.query('DROP TABLE account_balances');
  }
}
