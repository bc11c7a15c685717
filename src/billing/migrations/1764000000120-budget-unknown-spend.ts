import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The month's unknown spend: prices of provider calls whose outcome is not known, counted against
 * the caps. A database created from this version on already has the column (the table is created
 * from its current definition), hence IF NOT EXISTS. Events recorded before it carry no unknown
 * amount, so existing rows start at 0 and no replay is needed.
 */
export class BudgetUnknownSpend1764000000120 implements MigrationInterface {
  name = 'BudgetUnknownSpend1764000000120';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE budget_months ADD COLUMN IF NOT EXISTS unknown_micros bigint NOT NULL DEFAULT 0
         CONSTRAINT budget_months_unknown_micros_check CHECK (unknown_micros >= 0)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE budget_months DROP COLUMN unknown_micros');
  }
}
