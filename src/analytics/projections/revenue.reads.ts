import type { Sql } from '../../database/database';
import type { DayRange } from '../../common/utc-time';
import type { RevenueByDay } from '../domain/revenue';

export { withRevenue, type Revenue } from '../domain/revenue';
import { REVENUE_TABLE } from './revenue.projection';

/** Net USD revenue per day of the range (days without sales are absent). */
export async function readRevenueByDay(sql: Sql, range: DayRange): Promise<RevenueByDay> {
  const rows = await sql.query<{ day: string; net: string | number }>(
    `SELECT day, gross_micros - reversed_micros AS net FROM ${REVENUE_TABLE}
      WHERE currency = 'usd' AND day BETWEEN $1 AND $2`,
    [range.from, range.to],
  );
  return new Map(rows.map((row) => [row.day, Number(row.net)]));
}
