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

/** A month's row of `budget_months`. */
export interface BudgetMonthRow {
  readonly month: string;
  readonly spend_micros: string | number;
  readonly reserved_micros: string | number;
  readonly cap_micros: string | number | null;
  readonly hard_cap_micros: string | number | null;
  readonly tier: 'premium' | 'standard';
  readonly downgraded_at: string | null;
  readonly downgrade_cap_micros: string | number | null;
  readonly next_premium_price_micros: string | number | null;
}

/** What the projection answers a reservation's append: its month's row as the reservation left it. */
export interface ReservationProjected {
  readonly budgetMonth: BudgetMonthRow;
}

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
  async apply(
    tx: Sql,
    events: readonly RecordedEvent[],
    tables: TableNames,
  ): Promise<ReservationProjected | undefined> {
    let answer: ReservationProjected | undefined;
    for (const event of events) {
      if (event.streamId.startsWith(ACCOUNT_STREAM_PREFIX)) {
        const budgetMonth = await applyOne(
          tx,
          tables,
          event.streamId.slice(ACCOUNT_STREAM_PREFIX.length),
          event as unknown as AccountEvent & RecordedEvent,
        );
        if (budgetMonth) answer = { budgetMonth };
      } else if (event.streamId.startsWith(BUDGET_STREAM_PREFIX)) {
        await applyBudget(
          tx,
          tables.budget_months,
          event.streamId.slice(BUDGET_STREAM_PREFIX.length),
          event as unknown as BudgetEvent,
        );
      }
    }
    return answer;
  },
};

/**
 * One statement per event (data-modifying CTEs): a reservation's open row, its balance and its
 * month's budget change together, and the month's row, which every reservation shares, is locked
 * by the statement that the commit follows closely.
 */
async function applyOne(
  tx: Sql,
  t: TableNames,
  userId: string,
  event: AccountEvent,
): Promise<BudgetMonthRow | undefined> {
  const { account_balances: balances, open_reservations: open, budget_months: budget } = t;
  switch (event.type) {
    case 'CreditsGranted':
      await tx.query(
        `INSERT INTO ${balances} AS b (user_id, paid_available, paid_granted) VALUES ($1, $2, $2)
         ON CONFLICT (user_id) DO UPDATE
           SET paid_available = b.paid_available + excluded.paid_available, paid_granted = b.paid_granted + excluded.paid_granted`,
        [userId, event.data.credits],
      );
      return;
    case 'CreditsReserved':
      return reserve(tx, t, userId, event.data);
    case 'ReservationCaptured':
      await tx.query(
        `WITH settled AS (DELETE FROM ${open} WHERE reservation_id = $1 RETURNING day, price_micros),
              balance AS (
                UPDATE ${balances} SET paid_reserved = paid_reserved - $3, paid_captured = paid_captured + $3 WHERE user_id = $2)
         UPDATE ${budget} AS m
            SET spend_micros = m.spend_micros + $4, reserved_micros = m.reserved_micros - settled.price_micros
           FROM settled WHERE m.month = left(settled.day, 7)`,
        [event.data.reservationId, userId, event.data.credits, event.data.costMicros],
      );
      return;
    case 'ReservationReleased':
      await tx.query(
        `WITH settled AS (DELETE FROM ${open} WHERE reservation_id = $1 RETURNING day, price_micros),
              balance AS (
                UPDATE ${balances}
                   SET paid_reserved = paid_reserved - $3, paid_available = paid_available + $3,
                       free_used = CASE WHEN $4 AND free_day = (SELECT day FROM settled) THEN free_used - 1 ELSE free_used END
                 WHERE user_id = $2)
         UPDATE ${budget} AS m SET reserved_micros = m.reserved_micros - settled.price_micros
           FROM settled WHERE m.month = left(settled.day, 7)`,
        [event.data.reservationId, userId, event.data.credits, event.data.kind === 'free'],
      );
      return;
    case 'QuotaConsumed':
    case 'DailyQuotaReset':
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * A paid reservation takes credits from the balance; a free one counts a unit of its day (only the
 * newest day is kept: older days can no longer be spent). Both hold their price in the month.
 */
async function reserve(tx: Sql, t: TableNames, userId: string, data: CreditsReserved['data']): Promise<BudgetMonthRow> {
  const { account_balances: balances, open_reservations: open, budget_months: budget } = t;
  const balance =
    data.kind === 'paid'
      ? `UPDATE ${balances} SET paid_available = paid_available - $4, paid_reserved = paid_reserved + $4 WHERE user_id = $2`
      : `INSERT INTO ${balances} AS b (user_id, free_day, free_used) VALUES ($2, $5, 1)
         ON CONFLICT (user_id) DO UPDATE
           SET free_used = CASE WHEN b.free_day = $5 THEN b.free_used + 1 WHEN b.free_day > $5 THEN b.free_used ELSE 1 END,
               free_day = GREATEST(coalesce(b.free_day, $5), $5)`;
  const [month] = await tx.query<BudgetMonthRow>(
    `WITH opened AS (
       INSERT INTO ${open} (reservation_id, user_id, kind, credits, day, tier, price_micros, generation_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)),
          balance AS (${balance})
     INSERT INTO ${budget} AS m (month, reserved_micros) VALUES (left($5, 7), $7)
     ON CONFLICT (month) DO UPDATE SET reserved_micros = m.reserved_micros + excluded.reserved_micros
     RETURNING m.*`,
    [
      data.reservationId,
      userId,
      data.kind,
      data.credits,
      data.day,
      data.tier,
      data.priceMicros,
      data.generationId,
      data.expiresAt,
    ],
  );
  return month;
}

async function addToBudget(tx: Sql, table: string, month: string, spendMicros: number): Promise<void> {
  await tx.query(
    `INSERT INTO ${table} AS m (month, spend_micros) VALUES ($1, $2)
     ON CONFLICT (month) DO UPDATE SET spend_micros = m.spend_micros + excluded.spend_micros`,
    [month, spendMicros],
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
      await addToBudget(tx, table, month, event.data.costMicros);
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unreachable)}`);
    }
  }
}
