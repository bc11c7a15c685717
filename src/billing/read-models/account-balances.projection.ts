import type { Sql } from '../../database/database';
import type { RecordedEvent } from '../../event-store/event-types';
import type { Projection, ProjectionTable, TableNames } from '../../event-store/projection';
import type { AccountEvent, CreditsReserved } from '../domain/account';
import type { BudgetEvent } from '../domain/budget';

export const ACCOUNT_STREAM_PREFIX = 'account-';
const BUDGET_STREAM_PREFIX = 'budget-';

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

/**
 * Each UTC month's provider budget: settled cost, prices in flight, caps and tier. Reservations,
 * captures and releases reach it from the account events in their own transaction, so a
 * reservation is decided under this one row's lock, held from its update to the commit, instead of
 * under a lock on the budget stream. The caps and tier mirror the budget stream's events.
 */
export const budgetMonthsTable: ProjectionTable = {
  name: 'budget_months',
  keyColumns: ['month'],
  createSql: (table) => `
    CREATE TABLE ${table} (
      month text PRIMARY KEY,
      spend_micros bigint NOT NULL DEFAULT 0,
      reserved_micros bigint NOT NULL DEFAULT 0,
      cap_micros bigint,
      hard_cap_micros bigint,
      tier text NOT NULL DEFAULT 'premium',
      downgraded_at text,
      downgrade_cap_micros bigint,
      next_premium_price_micros bigint,
      CHECK (spend_micros >= 0 AND reserved_micros >= 0)
    )`,
};

/**
 * The money read models, updated in the append's own transaction: balances, open reservations and
 * the month's budget. One projection, because the budget counts the prices the open reservations
 * hold.
 */
export const accountBalancesProjection: Projection = {
  name: 'account_balances',
  kind: 'inline',
  eventTypes: [
    'CreditsGranted',
    'CreditsReserved',
    'ReservationCaptured',
    'ReservationReleased',
    'BudgetCapSet',
    'TierDowngraded',
    'TierRestored',
    'LateCostSettled',
  ],
  tables: [accountBalancesTable, openReservationsTable, budgetMonthsTable],
  async apply(tx: Sql, events: readonly RecordedEvent[], tables: TableNames): Promise<void> {
    for (const event of events) {
      if (event.streamId.startsWith(ACCOUNT_STREAM_PREFIX)) {
        await applyOne(tx, tables, event.streamId.slice(ACCOUNT_STREAM_PREFIX.length), event as unknown as AccountEvent & RecordedEvent);
      } else if (event.streamId.startsWith(BUDGET_STREAM_PREFIX)) {
        await applyBudget(tx, tables.budget_months, event.streamId.slice(BUDGET_STREAM_PREFIX.length), event as unknown as BudgetEvent);
      }
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
      const [captured] = await tx.query<{ day: string; price_micros: string }>(
        `DELETE FROM ${open} WHERE reservation_id = $1 RETURNING day, price_micros`,
        [event.data.reservationId],
      );
      await tx.query(
        `UPDATE ${balances} SET paid_reserved = paid_reserved - $2, paid_captured = paid_captured + $2 WHERE user_id = $1`,
        [userId, event.data.credits],
      );
      if (captured) await addToBudget(tx, t.budget_months, captured.day.slice(0, 7), event.data.costMicros, -Number(captured.price_micros));
      return;
    }
    case 'ReservationReleased': {
      const [released] = await tx.query<{ day: string; price_micros: string }>(
        `DELETE FROM ${open} WHERE reservation_id = $1 RETURNING day, price_micros`,
        [event.data.reservationId],
      );
      await tx.query(
        `UPDATE ${balances}
            SET paid_reserved = paid_reserved - $2, paid_available = paid_available + $2,
                free_used = CASE WHEN $3::text IS NOT NULL AND free_day = $3::text THEN free_used - 1 ELSE free_used END
          WHERE user_id = $1`,
        [userId, event.data.credits, event.data.kind === 'free' ? (released?.day ?? null) : null],
      );
      if (released) await addToBudget(tx, t.budget_months, released.day.slice(0, 7), 0, -Number(released.price_micros));
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
  } else {
    // Free units are counted for the newest day only: older days can no longer be spent.
    await tx.query(
      `UPDATE ${balances}
          SET free_used = CASE WHEN free_day = $2 THEN free_used + 1 WHEN free_day > $2 THEN free_used ELSE 1 END,
              free_day = GREATEST(coalesce(free_day, $2), $2)
        WHERE user_id = $1`,
      [userId, data.day],
    );
  }
  // Last, so the month's row, which every reservation shares, is locked for as short as possible.
  await addToBudget(tx, t.budget_months, data.day.slice(0, 7), 0, data.priceMicros);
}

async function addToBudget(tx: Sql, table: string, month: string, spendMicros: number, reservedMicros: number): Promise<void> {
  if (reservedMicros < 0) {
    // Settling a reservation: its month's row exists (an inserted row would fail the CHECK first).
    await tx.query(
      `UPDATE ${table} SET spend_micros = spend_micros + $2, reserved_micros = reserved_micros + $3 WHERE month = $1`,
      [month, spendMicros, reservedMicros],
    );
    return;
  }
  await tx.query(
    `INSERT INTO ${table} (month, spend_micros, reserved_micros) VALUES ($1, $2, $3)
     ON CONFLICT (month) DO UPDATE
       SET spend_micros = ${table}.spend_micros + excluded.spend_micros,
           reserved_micros = ${table}.reserved_micros + excluded.reserved_micros`,
    [month, spendMicros, reservedMicros],
  );
}

async function applyBudget(tx: Sql, table: string, month: string, event: BudgetEvent): Promise<void> {
  switch (event.type) {
    case 'BudgetCapSet':
      await tx.query(
        `INSERT INTO ${table} (month, cap_micros, hard_cap_micros) VALUES ($1, $2, $3)
         ON CONFLICT (month) DO UPDATE SET cap_micros = excluded.cap_micros, hard_cap_micros = excluded.hard_cap_micros`,
        [month, event.data.capMicros, event.data.hardCapMicros],
      );
      return;
    case 'TierDowngraded':
      await tx.query(
        `INSERT INTO ${table} (month, tier, downgraded_at, downgrade_cap_micros, next_premium_price_micros) VALUES ($1, 'standard', $2, $3, $4)
         ON CONFLICT (month) DO UPDATE
           SET tier = 'standard', downgraded_at = excluded.downgraded_at,
               downgrade_cap_micros = excluded.downgrade_cap_micros, next_premium_price_micros = excluded.next_premium_price_micros`,
        [month, event.data.at, event.data.capMicros, event.data.nextPremiumPriceMicros],
      );
      return;
    case 'TierRestored':
      await tx.query(
        `INSERT INTO ${table} (month) VALUES ($1)
         ON CONFLICT (month) DO UPDATE
           SET tier = 'premium', downgraded_at = NULL, downgrade_cap_micros = NULL, next_premium_price_micros = NULL`,
        [month],
      );
      return;
    case 'LateCostSettled':
      await addToBudget(tx, table, month, event.data.costMicros, 0);
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unreachable)}`);
    }
  }
}
