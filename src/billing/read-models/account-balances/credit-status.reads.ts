import type { Sql } from '../../../database/database';
import { nextUtcMidnight, utcDayOf } from '../../../common/utc-time';
import type { CreditStatus } from '../../domain/account';
import type { BudgetView } from '../../domain/budget';
import { microsToDollars } from '../../domain/money';
import type { CreditStatusView } from '../../reservation';
import type { BudgetMonthRow } from '../budget-months/budget-months.table';
import type { BalanceRow } from './account-balances.reads';

// `GET /v1/credits` now, and the credits a cache hit answers with, read in one statement: the
// user's balance row and the month's budget row.

/** The balance columns and the month's budget row (as JSON, null before the month's first write). */
export interface CreditStatusRow extends Partial<BalanceRow> {
  readonly budget: BudgetMonthRow | null;
}

/**
 * Select-list of a credit status row, for a statement that joins `account_balances` as `alias` and
 * passes the month as `monthParam`: the same columns whichever statement reads them.
 */
export function creditStatusColumns(alias: string, monthParam: string): string {
  return `${alias}.paid_available, ${alias}.paid_reserved, ${alias}.free_day, ${alias}.free_used,
          (SELECT to_jsonb(m) FROM budget_months m WHERE m.month = ${monthParam}) AS budget`;
}

const READ_CREDIT_STATUS = `
  SELECT ${creditStatusColumns('b', '$2')}
    FROM (SELECT $1::text AS user_id) AS u LEFT JOIN account_balances b ON b.user_id = u.user_id`;

export async function readCreditStatusRow(sql: Sql, userId: string, month: string): Promise<CreditStatusRow> {
  const [row] = await sql.query<CreditStatusRow>(READ_CREDIT_STATUS, [userId, month]);
  return row;
}

/** The account part of the credit status, from the balance row as of `now`. */
export function accountStatusOf(row: Partial<BalanceRow> | undefined, now: Date, freeDailyQuota: number): CreditStatus {
  const usedToday = row?.free_day === utcDayOf(now) ? Number(row.free_used) : 0;
  return {
    freeRemainingToday: Math.max(0, freeDailyQuota - usedToday),
    paidCredits: Number(row?.paid_available ?? 0),
    reservedCredits: Number(row?.paid_reserved ?? 0),
    quotaResetsAt: nextUtcMidnight(now).toISOString(),
  };
}

/** What `GET /v1/credits` shows, from the account's status and the month's budget. */
export function creditStatusView(
  userId: string,
  account: CreditStatus,
  budget: BudgetView,
  freeDailyQuota: number,
): CreditStatusView {
  return {
    userId,
    freeRemainingToday: account.freeRemainingToday,
    freeDailyQuota,
    paidCredits: account.paidCredits,
    reservedCredits: account.reservedCredits,
    monthlySpend: microsToDollars(budget.spendMicros),
    monthlyCap: microsToDollars(budget.capMicros),
    tier: budget.tier,
    quotaResetsAt: account.quotaResetsAt,
  };
}
