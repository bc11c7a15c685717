import type { MigrationInterface, QueryRunner } from 'typeorm';
import { accountBalancesTable, openReservationsTable } from '../read-models/account-balances/account-balances.tables';

/** Billing read models: a user's balance and the open reservations the expiry job looks for. */
export class BillingReadModels1764000000100 implements MigrationInterface {
  name = 'BillingReadModels1764000000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(accountBalancesTable.createSql(accountBalancesTable.name));
    await runner.query(openReservationsTable.createSql(openReservationsTable.name));
    await runner.query('CREATE INDEX open_reservations_expiry ON open_reservations (expires_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE open_reservations');
    await runner.query('DROP TABLE account_balances');
  }
}
