import type { Sql } from '../../../database/database';

// Reading the account read models: a user's balance row and the reservations due to expire.

export interface BalanceRow {
  readonly paid_available: number;
  readonly paid_reserved: number;
  readonly free_day: string | null;
  readonly free_used: number;
}

export async function readBalance(sql: Sql, userId: string): Promise<BalanceRow | undefined> {
  const [row] = await sql.query<BalanceRow>(
    'SELECT paid_available, paid_reserved, free_day, free_used FROM account_balances WHERE user_id = $1',
    [userId],
  );
  return row;
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
