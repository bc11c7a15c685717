import { createHash } from 'node:crypto';
import type { Sql } from '../../database/database';
import { alertBody, type AlertState, type AlertType, type NewAlert } from '../domain/alert';
import type { MonthWatch } from '../domain/budget-rules';

// Every statement on the alert tables: the rules write alerts and their month watch in their
// runner's transaction; the dispatcher leases, settles and the admin calls list and re-queue.

export interface AlertRow {
  readonly id: string;
  readonly type: AlertType;
  readonly month: string;
  readonly data: Record<string, unknown>;
  readonly body: string;
  readonly created_at: Date;
  readonly state: AlertState;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly delivered_at: Date | null;
  readonly next_attempt_at: Date;
}

/** The same decision always gets the same id: it is the `webhook-id` receivers deduplicate by. */
export function alertId(key: string): string {
  return `alrt_${createHash('sha256').update(key).digest('base64url').slice(0, 22)}`;
}

/** Records the alerts in order; one whose key is already there is the same alert and is skipped. */
export async function insertAlerts(tx: Sql, alerts: readonly NewAlert[]): Promise<number> {
  let inserted = 0;
  for (const alert of alerts) {
    const rows = await tx.query(
      `INSERT INTO alert_outbox (id, dedup_key, type, month, data, body, created_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
       ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
      [alertId(alert.key), alert.key, alert.type, alert.month, JSON.stringify(alert.data), alertBody(alert), alert.at],
    );
    inserted += rows.length;
  }
  return inserted;
}

/** Threshold percentages the month has alerted, under any cap. */
export async function alertedPercents(tx: Sql, month: string): Promise<Set<number>> {
  const rows = await tx.query<{ percent: number }>(
    `SELECT DISTINCT (data->>'thresholdPercent')::int AS percent FROM alert_outbox
      WHERE month = $1 AND type = 'budget.threshold'`,
    [month],
  );
  return new Set(rows.map((row) => Number(row.percent)));
}

export async function readWatch(tx: Sql, month: string): Promise<MonthWatch | undefined> {
  const [row] = await tx.query<{
    cap_micros: string | number;
    spend_at_cap_micros: string | number;
    spend_days: number;
    last_spend_day: string | null;
  }>('SELECT * FROM alert_budget_watch WHERE month = $1', [month]);
  if (!row) return undefined;
  return {
    capMicros: Number(row.cap_micros),
    spendAtCapMicros: Number(row.spend_at_cap_micros),
    spendDays: Number(row.spend_days),
    lastSpendDay: row.last_spend_day,
  };
}

export async function writeWatch(tx: Sql, month: string, watch: MonthWatch): Promise<void> {
  await tx.query(
    `INSERT INTO alert_budget_watch (month, cap_micros, spend_at_cap_micros, spend_days, last_spend_day)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (month) DO UPDATE SET cap_micros = excluded.cap_micros, spend_at_cap_micros = excluded.spend_at_cap_micros,
       spend_days = excluded.spend_days, last_spend_day = excluded.last_spend_day`,
    [month, watch.capMicros, watch.spendAtCapMicros, watch.spendDays, watch.lastSpendDay],
  );
}

/**
 * Leases up to `limit` due alerts, oldest first, for `leaseMs`: committed at once, so the HTTP call
 * holds no transaction. Replicas skip each other's locked rows; a lease that outlives its process
 * (killed mid-delivery) runs out and the alert is sent again with the same id.
 */
export async function leaseDueAlerts(sql: Sql, limit: number, leaseMs: number): Promise<AlertRow[]> {
  return sql.query<AlertRow>(
    `UPDATE alert_outbox AS a
        SET attempts = a.attempts + 1, leased_until = now() + make_interval(secs => $2::double precision / 1000)
       FROM (SELECT id FROM alert_outbox
              WHERE state = 'pending' AND next_attempt_at <= now() AND (leased_until IS NULL OR leased_until < now())
              ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED) due
      WHERE a.id = due.id
      RETURNING a.*`,
    [limit, leaseMs],
  );
}

export async function markDelivered(sql: Sql, id: string): Promise<void> {
  await sql.query(
    `UPDATE alert_outbox SET state = 'delivered', delivered_at = now(), leased_until = NULL, last_error = NULL
      WHERE id = $1 AND state = 'pending'`,
    [id],
  );
}

/** A failed attempt: due again after `retryInMs`, or dead when `dead`. */
export async function markFailed(
  sql: Sql,
  id: string,
  error: string,
  next: { dead: true } | { dead: false; retryInMs: number },
): Promise<void> {
  await sql.query(
    `UPDATE alert_outbox
        SET state = CASE WHEN $3 THEN 'dead' ELSE 'pending' END, leased_until = NULL, last_error = $2,
            next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)
      WHERE id = $1 AND state = 'pending'`,
    [id, error.slice(0, 500), next.dead, next.dead ? 0 : next.retryInMs],
  );
}

export async function alertsOfMonth(sql: Sql, month: string): Promise<AlertRow[]> {
  return sql.query<AlertRow>('SELECT * FROM alert_outbox WHERE month = $1 ORDER BY seq', [month]);
}

/** Puts a dead alert back in the queue with a fresh count of attempts; undefined when `id` is not dead. */
export async function requeueDead(sql: Sql, id: string): Promise<AlertRow | undefined> {
  const [row] = await sql.query<AlertRow>(
    `UPDATE alert_outbox SET state = 'pending', attempts = 0, next_attempt_at = now(), leased_until = NULL
      WHERE id = $1 AND state = 'dead' RETURNING *`,
    [id],
  );
  return row;
}

export async function findAlert(sql: Sql, id: string): Promise<AlertRow | undefined> {
  const [row] = await sql.query<AlertRow>('SELECT * FROM alert_outbox WHERE id = $1', [id]);
  return row;
}

/** Alerts by state, every month. */
export async function countAlerts(sql: Sql): Promise<Record<AlertState, number>> {
  const rows = await sql.query<{ state: AlertState; n: number }>(
    'SELECT state, count(*)::int AS n FROM alert_outbox GROUP BY state',
  );
  const counts: Record<AlertState, number> = { pending: 0, delivered: 0, dead: 0 };
  for (const row of rows) counts[row.state] = Number(row.n);
  return counts;
}
