import type { MigrationInterface, QueryRunner } from 'typeorm';
import { budgetMonthsTable } from '../read-models/budget-months/budget-months.table';

/**
 * The month's budget as a row of the billing projection. A database that already holds billing
 * events fills it with `npm run cli -- replay --projection account_balances`.
 */
export class BudgetMonths1764000000110 implements MigrationInterface {
  name = 'BudgetMonths1764000000110';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(budgetMonthsTable.createSql(budgetMonthsTable.name));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE budget_months');
  }
}
