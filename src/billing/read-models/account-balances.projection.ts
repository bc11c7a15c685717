import type { Sql } from '../../database/database';
import type { RecordedEvent } from '../../event-store/event-types';
import type { Projection, ProjectionTable, TableNames } from '../../event-store/projection';
import type { AccountEvent, CreditsReserved } from '../domain/account';

export const ACCOUNT_STREAM_PREFIX = 'account-';

/**
 * Each user's balance and open reservations, updated in the append's own transaction so that a
 * command reads its own writes (STYLE.md rule 7). The CHECK constraint on the table is a second
 * guard: a bug that would drive a balance below zero aborts the append instead.
 */
export const accountBalancesTable: ProjectionTable = {
  name: 'account_balances',
  keyColumns: ['user_id'],
  createSql: (table) => `
    CREATE TABLE ${table} (
      user_id text PRIMARY KEY,
      paid_available bigint NOT NULL DEFAULT 0,
      paid_reserved bigint NOT NULL DEFAULT 0,
      paid_captured bigint NOT NULL DEFAULT 0,
      paid_granted bigint NOT NULL DEFAULT 0,
      free_day text,
      free_used integer NOT NULL DEFAULT 0,
      CHECK (paid_available >= 0 AND paid_reserved >= 0)
    )`,
};

export const openReservationsTable: ProjectionTable = {
  name: 'open_reservations',
  keyColumns: ['reservation_id'],
  createSql: (table) => `
    CREATE TABLE ${table} (
      reservation_id text PRIMARY KEY,
      user_id text NOT NULL,
      kind text NOT NULL,
      credits integer NOT NULL,
      day text NOT NULL,
      tier text NOT NULL,
      price_micros bigint NOT NULL,
      generation_id text,
      expires_at timestamptz NOT NULL
    )`,
};

export const accountBalancesProjection: Projection = {
  name: 'account_balances',
  kind: 'inline',
  eventTypes: ['CreditsGranted', 'CreditsReserved', 'ReservationCaptured', 'ReservationReleased'],
  tables: [accountBalancesTable, openReservationsTable],
  async apply(tx: Sql, events: readonly RecordedEvent[], tables: TableNames): Promise<void> {
    for (const event of events) {
      if (!event.streamId.startsWith(ACCOUNT_STREAM_PREFIX)) continue;
      await applyOne(tx, tables, event.streamId.slice(ACCOUNT_STREAM_PREFIX.length), event as unknown as AccountEvent & RecordedEvent);
    }
  },
};

async function applyOne(tx: Sql, t: TableNames, userId: string, event: AccountEvent): Promise<void> {
  const balances = t.account_balances;
  const open = t.open_reservations;
  await tx.query(`INSERT INTO ${balances} (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, [userId]);
  switch (event.type) {
    case 'CreditsGranted':
      await tx.query(
        `UPDATE ${balances} SET paid_available = paid_available + $2, paid_granted = paid_granted + $2 WHERE user_id = $1`,
        [userId, event.data.credits],
      );
      return;
    case 'CreditsReserved':
      await reserve(tx, t, userId, event.data);
      return;
    case 'ReservationCaptured': {
      await tx.query(
        `UPDATE ${balances} SET paid_reserved = paid_reserved - $2, paid_captured = paid_captured + $2 WHERE user_id = $1`,
        [userId, event.data.credits],
      );
      await tx.query(`DELETE FROM ${open} WHERE reservation_id = $1`, [event.data.reservationId]);
      return;
    }
    case 'ReservationReleased': {
      const [released] = await tx.query<{ day: string }>(
        `DELETE FROM ${open} WHERE reservation_id = $1 RETURNING day`,
        [event.data.reservationId],
      );
      await tx.query(
        `UPDATE ${balances}
            SET paid_reserved = paid_reserved - $2, paid_available = paid_available + $2,
                free_used = CASE WHEN $3::text IS NOT NULL AND free_day = $3::text THEN free_used - 1 ELSE free_used END
          WHERE user_id = $1`,
        [userId, event.data.credits, event.data.kind === 'free' ? (released?.day ?? null) : null],
      );
      return;
    }
    case 'QuotaConsumed':
    case 'DailyQuotaReset':
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unreachable)}`);
    }
  }
}

async function reserve(tx: Sql, t: TableNames, userId: string, data: CreditsReserved['data']): Promise<void> {
  const balances = t.account_balances;
  await tx.query(
    `INSERT INTO ${t.open_reservations} (reservation_id, user_id, kind, credits, day, tier, price_micros, generation_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [data.reservationId, userId, data.kind, data.credits, data.day, data.tier, data.priceMicros, data.generationId, data.expiresAt],
  );
  if (data.kind === 'paid') {
    await tx.query(
      `UPDATE ${balances} SET paid_available = paid_available - $2, paid_reserved = paid_reserved + $2 WHERE user_id = $1`,
      [userId, data.credits],
    );
    return;
  }
  // Free units are counted for the newest day only: older days can no longer be spent.
  await tx.query(
    `UPDATE ${balances}
        SET free_used = CASE WHEN free_day = $2 THEN free_used + 1 WHEN free_day > $2 THEN free_used ELSE 1 END,
            free_day = GREATEST(coalesce(free_day, $2), $2)
      WHERE user_id = $1`,
    [userId, data.day],
  );
}
