import type { Sql } from '../../../database/database';

// Reading the account read models: a user's balance row (credit-status.reads.ts reads it with the
// month's budget) and the reservations due to expire.

export interface BalanceRow {
  readonly paid_available: number;
  readonly paid_reserved: number;
  readonly free_day: string | null;
  readonly free_used: number;
}

export interface DueReservation {
  readonly reservation_id: string;
  readonly user_id: string;
  readonly day: string;
  readonly generation_id: string | null;
}

/**
 * Open reservations whose timeout has passed at `now`, of at most `userLimit` users (each user's
 * reservations are expired together): users with the oldest due reservation first, and those in
 * `deferred` (their account failed last time) after every other, so a few failing accounts, however
 * many reservations they hold, never keep the others' reservations from being released.
 */
export function dueReservations(
  sql: Sql,
  now: Date,
  userLimit: number,
  deferred: readonly string[] = [],
): Promise<DueReservation[]> {
  return sql.query<DueReservation>(
    `WITH due AS (
       SELECT user_id, min(expires_at) AS oldest FROM open_reservations WHERE expires_at <= $1 GROUP BY user_id
       ORDER BY user_id = ANY($3::text[]), oldest LIMIT $2)
     SELECT r.reservation_id, r.user_id, r.day, r.generation_id
       FROM open_reservations r JOIN due USING (user_id)
      WHERE r.expires_at <= $1 ORDER BY due.user_id = ANY($3::text[]), due.oldest, r.expires_at`,
    [now.toISOString(), userLimit, deferred],
  );
}
