import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The alerts' transactional outbox and what the alert rules remember per month. Both are written
 * by the rules' runner in the transaction that moves its checkpoint; they are not projections
 * (an alert sent cannot be rebuilt), so no replay touches them.
 */
export class AlertOutbox1764000000900 implements MigrationInterface {
  name = 'AlertOutbox1764000000900';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE alert_outbox (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        id text PRIMARY KEY,
        dedup_key text NOT NULL UNIQUE,
        type text NOT NULL,
        month text NOT NULL,
        data jsonb NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        leased_until timestamptz,
        last_error text,
        delivered_at timestamptz
      )`);
    await runner.query(`CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at) WHERE state = 'pending'`);
    await runner.query('CREATE INDEX alert_outbox_month ON alert_outbox (month, seq)');
    await runner.query(`
      CREATE TABLE alert_budget_watch (
        month text PRIMARY KEY,
        cap_micros bigint NOT NULL,
        spend_at_cap_micros bigint NOT NULL,
        spend_days int NOT NULL,
        last_spend_day text
      )`);
    // The rules start at the newest event: months already past are not alerted on after an upgrade.
    await runner.query(`
      INSERT INTO projection_checkpoints (name, last_transaction_id, last_global_position)
      SELECT 'alert_rules', coalesce(newest.transaction_id, '0'::xid8), coalesce(newest.global_position, 0)
        FROM (SELECT 1) one
        LEFT JOIN (SELECT transaction_id, global_position FROM events
                    ORDER BY transaction_id DESC, global_position DESC LIMIT 1) newest ON true
      ON CONFLICT (name) DO NOTHING`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DELETE FROM projection_checkpoints WHERE name = 'alert_rules'`);
    await runner.query('DROP TABLE alert_budget_watch');
    await runner.query('DROP TABLE alert_outbox');
  }
}
