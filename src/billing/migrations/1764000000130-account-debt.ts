import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Credits a refund or dispute could not take back because they were spent: the account's debt. A
 * database created from this version on already has the column (the table is created from its
 * current definition), hence IF NOT EXISTS. Events before purchases existed never add debt, so
 * existing rows start at 0 and no replay is needed.
 */
export class AccountDebt1764000000130 implements MigrationInterface {
  name = 'AccountDebt1764000000130';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE account_balances ADD COLUMN IF NOT EXISTS debt_credits bigint NOT NULL DEFAULT 0
         CONSTRAINT account_balances_debt_credits_check CHECK (debt_credits >= 0)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE account_balances DROP COLUMN debt_credits');
  }
}
