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

/** Open reservations whose timeout has passed at `now`, oldest first. */
export function dueReservations(sql: Sql, now: Date, limit: number): Promise<DueReservation[]> {
  return sql.query<DueReservation>(
    'SELECT reservation_id, user_id, day, generation_id FROM open_reservations WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2',
    [now.toISOString(), limit],
  );
}
