import type { Sql } from '../../../database/database';
import { budgetDecider, budgetStreamId, type BudgetState, type BudgetTotals } from '../../domain/budget';
import type { BudgetMonthRow } from './budget-months.table';

// Reading the month's budget: its `budget_months` row now, or its figures at a past instant from
// the events (audits).

/** The month's row; with `lock` inside a transaction, locked until it ends. */
export async function readBudgetMonth(sql: Sql, month: string, lock = false): Promise<BudgetMonthRow | undefined> {
  const [row] = await sql.query<BudgetMonthRow>(
    `SELECT * FROM budget_months WHERE month = $1${lock ? ' FOR UPDATE' : ''}`,
    [month],
  );
  return row;
}

/**
 * The budget as its row shows it. Only the caps and the tier are read from `state` by the
 * reservation decision and the views; the stream's own bookkeeping is left empty.
 */
export function fromBudgetRow(row: BudgetMonthRow | undefined): { state: BudgetState; totals: BudgetTotals } {
  if (!row)
    return { state: budgetDecider.initialState(), totals: { spendMicros: 0, reservedMicros: 0, unknownMicros: 0 } };
  const state: BudgetState = {
    caps:
      row.cap_micros === null
        ? null
        : {
            capMicros: Number(row.cap_micros),
            hardCapMicros: row.hard_cap_micros === null ? null : Number(row.hard_cap_micros),
          },
    premium:
      row.tier === 'standard'
        ? {
            tier: 'standard',
            downgradedAt: row.downgraded_at ?? '',
            capMicros: Number(row.downgrade_cap_micros ?? 0),
            nextPremiumPriceMicros: Number(row.next_premium_price_micros ?? 0),
          }
        : { tier: 'premium' },
    recentlySettled: [],
    newMonthRecorded: false,
  };
  return {
    state,
    totals: {
      spendMicros: Number(row.spend_micros),
      reservedMicros: Number(row.reserved_micros),
      unknownMicros: Number(row.unknown_micros ?? 0),
    },
  };
}

/**
 * Spend, in-flight prices and unknown spend of a month as the events had recorded them by `at`: the
 * holds of the month's reservations not yet settled (price and raises); the costs billed on capture
 * and release plus the late costs; the unknown amounts recorded on capture and release, less what
 * late costs explained.
 */
export async function budgetTotalsAt(sql: Sql, month: string, at: Date): Promise<BudgetTotals> {
  const [row] = await sql.query<{ spend: string; reserved: string; unknown: string }>(
    `WITH opened AS (
       SELECT data->>'reservationId' AS id, (data->>'priceMicros')::bigint AS price FROM events
        WHERE type = 'CreditsReserved' AND left(data->>'day', 7) = $1 AND recorded_at <= $2),
     raised AS (
       SELECT e.data->>'reservationId' AS id, (e.data->>'addedMicros')::bigint AS added
         FROM events e JOIN opened o ON o.id = e.data->>'reservationId'
        WHERE e.type = 'ReservationHoldRaised' AND e.recorded_at <= $2),
     reserved AS (
       SELECT o.id, o.price + coalesce((SELECT sum(added) FROM raised r WHERE r.id = o.id), 0) AS price
         FROM opened o),
     late AS (
       SELECT coalesce(sum((data->>'costMicros')::bigint), 0) AS billed,
              coalesce(sum((data->>'resolvedUnknownMicros')::bigint), 0) AS resolved
         FROM events WHERE stream_id = $3 AND type = 'LateCostSettled' AND recorded_at <= $2),
     settled AS (
       SELECT e.type, r.price,
              coalesce((e.data->>'costMicros')::bigint, (e.data->>'billedMicros')::bigint, 0) AS billed,
              coalesce((e.data->>'unknownMicros')::bigint, 0) AS unknown
         FROM events e
         JOIN reserved r ON r.id = e.data->>'reservationId'
        WHERE e.type IN ('ReservationCaptured', 'ReservationReleased') AND e.recorded_at <= $2)
     SELECT (SELECT coalesce(sum(billed), 0) FROM settled) + (SELECT billed FROM late) AS spend,
            (SELECT coalesce(sum(price), 0) FROM reserved) - (SELECT coalesce(sum(price), 0) FROM settled) AS reserved,
            GREATEST((SELECT coalesce(sum(unknown), 0) FROM settled) - (SELECT resolved FROM late), 0) AS unknown`,
    [month, at.toISOString(), budgetStreamId(month)],
  );
  return { spendMicros: Number(row.spend), reservedMicros: Number(row.reserved), unknownMicros: Number(row.unknown) };
}
