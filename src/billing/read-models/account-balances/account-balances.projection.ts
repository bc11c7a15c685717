import type { Sql } from '../../../database/database';
import type { RecordedEvent } from '../../../event-store/event-types';
import type { Projection, TableNames } from '../../../event-store/projection';
import type { AccountEvent, CreditsReserved } from '../../domain/account';
import type { BudgetEvent } from '../../domain/budget';
import { applyBudgetEvent } from '../budget-months/budget-months.projection';
import { budgetMonthsTable, type BudgetMonthRow } from '../budget-months/budget-months.table';
import type { CreditStatusRow } from './credit-status.reads';
import { accountBalancesTable, openReservationsTable } from './account-balances.tables';
import { applyPurchaseToBalance } from './purchase-balances';

const ACCOUNT_STREAM_PREFIX = 'account-';
const BUDGET_STREAM_PREFIX = 'budget-';

/** What the projection answers a reservation's append: its month's row as the reservation left it. */
export interface ReservationProjected {
  readonly budgetMonth: BudgetMonthRow;
}

/** What it answers a capture's append: the user's balance and the month's row as the capture left them. */
export interface CaptureProjected {
  readonly balance: CreditStatusRow;
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
    'ReservationHoldRaised',
    'ReservationCaptured',
    'ReservationReleased',
    'BudgetCapSet',
    'TierDowngraded',
    'TierRestored',
    'LateCostSettled',
    'CreditsPurchased',
    'CreditsTakenBack',
    'CreditsRestored',
  ],
  tables: [accountBalancesTable, openReservationsTable, budgetMonthsTable],
  async apply(
    tx: Sql,
    events: readonly RecordedEvent[],
    tables: TableNames,
  ): Promise<ReservationProjected | CaptureProjected | undefined> {
    let answer: ReservationProjected | CaptureProjected | undefined;
    for (const event of events) {
      if (event.streamId.startsWith(ACCOUNT_STREAM_PREFIX)) {
        const answered = await applyOne(
          tx,
          tables,
          event.streamId.slice(ACCOUNT_STREAM_PREFIX.length),
          event as unknown as AccountEvent & RecordedEvent,
        );
        if (answered) answer = answered;
      } else if (event.streamId.startsWith(BUDGET_STREAM_PREFIX)) {
        await applyBudgetEvent(
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
): Promise<ReservationProjected | CaptureProjected | undefined> {
  const { account_balances: balances, open_reservations: open, budget_months: budget } = t;
  switch (event.type) {
    case 'CreditsGranted':
      await tx.query(
        // Credits that come in pay the account's debt first (the account decider's creditIn).
        `INSERT INTO ${balances} AS b (user_id, paid_available, paid_granted) VALUES ($1, $2, $2)
         ON CONFLICT (user_id) DO UPDATE
           SET paid_available = b.paid_available + excluded.paid_available - LEAST(b.debt_credits, excluded.paid_available),
               debt_credits = b.debt_credits - LEAST(b.debt_credits, excluded.paid_available),
               paid_granted = b.paid_granted + excluded.paid_granted`,
        [userId, event.data.credits],
      );
      return;
    case 'CreditsReserved':
      return { budgetMonth: await reserve(tx, t, userId, event.data) };
    case 'ReservationHoldRaised': {
      // The month's row answers, as for a reservation: the raise checks the hard cap against it.
      const [month] = await tx.query<BudgetMonthRow>(
        `WITH raised AS (
           UPDATE ${open} SET price_micros = $2 WHERE reservation_id = $1 RETURNING day)
         UPDATE ${budget} AS m SET reserved_micros = m.reserved_micros + $3
           FROM raised WHERE m.month = left(raised.day, 7)
         RETURNING m.*`,
        [event.data.reservationId, event.data.heldMicros, event.data.addedMicros],
      );
      return { budgetMonth: month };
    }
    case 'ReservationCaptured': {
      // `credits` were charged; `returnedCredits` (a cheaper tier served) go back to the balance.
      const { reservationId, credits, returnedCredits = 0, costMicros, unknownMicros = 0 } = event.data;
      // The balance as the capture left it answers, so the caller reads nothing more.
      const [balance] = await tx.query<CreditStatusRow>(
        `WITH settled AS (DELETE FROM ${open} WHERE reservation_id = $1 RETURNING day, price_micros),
              balance AS (
                UPDATE ${balances}
                   SET paid_reserved = paid_reserved - $3 - $4, paid_captured = paid_captured + $3,
                       paid_available = paid_available + $4 - LEAST(debt_credits, $4),
                       debt_credits = debt_credits - LEAST(debt_credits, $4)
                 WHERE user_id = $2
                 RETURNING paid_available, paid_reserved, free_day, free_used),
              month AS (
                UPDATE ${budget} AS m
                   SET spend_micros = m.spend_micros + $5, unknown_micros = m.unknown_micros + $6,
                       reserved_micros = m.reserved_micros - settled.price_micros
                  FROM settled WHERE m.month = left(settled.day, 7)
                RETURNING m.*)
         SELECT balance.*, (SELECT to_jsonb(settled_month) FROM month AS settled_month) AS budget FROM balance`,
        [reservationId, userId, credits, returnedCredits, costMicros, unknownMicros],
      );
      return balance ? { balance } : undefined;
    }
    case 'ReservationReleased': {
      const { reservationId, credits, kind, billedMicros = 0, unknownMicros = 0 } = event.data;
      await tx.query(
        `WITH settled AS (DELETE FROM ${open} WHERE reservation_id = $1 RETURNING day, price_micros),
              balance AS (
                UPDATE ${balances}
                   SET paid_reserved = paid_reserved - $3,
                       paid_available = paid_available + $3 - LEAST(debt_credits, $3),
                       debt_credits = debt_credits - LEAST(debt_credits, $3),
                       free_used = CASE WHEN $4 AND free_day = (SELECT day FROM settled) THEN free_used - 1 ELSE free_used END
                 WHERE user_id = $2)
         UPDATE ${budget} AS m
            SET reserved_micros = m.reserved_micros - settled.price_micros,
                spend_micros = m.spend_micros + $5, unknown_micros = m.unknown_micros + $6
           FROM settled WHERE m.month = left(settled.day, 7)`,
        [reservationId, userId, credits, kind === 'free', billedMicros, unknownMicros],
      );
      return;
    }
    case 'QuotaConsumed':
      return;
    case 'CheckoutStarted':
    case 'CreditsPurchased':
    case 'CreditsPurchaseFailed':
    case 'CreditsTakenBack':
    case 'CreditsRestored':
      return applyPurchaseToBalance(tx, balances, userId, event);
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
