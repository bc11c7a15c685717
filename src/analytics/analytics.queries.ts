import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type Tier } from '../config/app-config';
import { Clock } from '../common/clock';
import { Database } from '../database/database';
import { microsToDollars } from '../billing/domain/money';
import { daysOf, monthOfDay, monthRange, monthsOf, utcDayOf, type DayRange } from '../common/utc-time';
import { dailySeries, summarize, type DailyUsage, type DailyUsageRow, type UsageSummary } from './domain/usage-summary';
import { capAt, type BudgetChange, type BudgetChangeRow } from './domain/budget-changes';
import { USAGE_TABLES } from './projections/usage.projection';
import { BUDGET_CHANGES_TABLE } from './projections/budget.projection';
import { readRevenueByDay, withRevenue, type Revenue } from './projections/revenue.reads';

export interface DashboardDay extends DailyUsage {
  readonly freeGenerations: number;
  readonly paidGenerations: number;
  readonly failures: number;
  readonly uniqueUsers: number;
  /** Spend from the first of the day's month to the end of the day; null for days still to come. */
  readonly monthToDateSpendUsd: number | null;
  /** The soft cap in force at the end of the day. */
  readonly capUsd: number;
}

export interface DashboardData {
  readonly from: string;
  readonly to: string;
  readonly summary: UsageSummary & Revenue;
  readonly failures: number;
  readonly days: readonly DashboardDay[];
  readonly tierChanges: ReadonlyArray<{
    at: string;
    change: BudgetChange;
    reason: string | null;
    spendUsd: number | null;
    capUsd: number | null;
  }>;
}

export interface UsageTotals {
  readonly tier: Tier;
  readonly provider: string;
  readonly generations: number;
  readonly cacheHits: number;
  readonly spendMicros: number;
  readonly savedMicros: number;
}

export interface MonthBudget {
  readonly month: string;
  readonly spendMicros: number;
  readonly capMicros: number;
  readonly tier: Tier;
}

/** Every analytics answer comes from the projection tables, never from a scan of the events. */
@Injectable()
export class AnalyticsQueries {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** This month (UTC, by the injected clock): the range used when a query names none. */
  currentMonth(): DayRange {
    return monthRange(utcDayOf(this.clock.now()).slice(0, 7));
  }

  async summary(range: DayRange): Promise<UsageSummary & Revenue> {
    const [rows, users, revenue] = await Promise.all([
      this.usageRows(range),
      this.uniqueUsers(range),
      readRevenueByDay(this.database, range),
    ]);
    return withRevenue(summarize(range, rows, users), daysOf(range), revenue);
  }

  async daily(range: DayRange): Promise<Array<DailyUsage & Revenue>> {
    const [rows, revenue] = await Promise.all([this.usageRows(range), readRevenueByDay(this.database, range)]);
    return dailySeries(range, rows).map((day) => withRevenue(day, [day.date], revenue));
  }

  async dashboard(range: DayRange): Promise<DashboardData> {
    const monthStart = `${monthOfDay(range.from)}-01`;
    const [rows, uniqueUsers, usersByDay, failuresByDay, changes, revenue] = await Promise.all([
      this.usageRows({ from: monthStart, to: range.to }),
      this.uniqueUsers(range),
      this.countByDay(
        `SELECT day, count(*) AS n FROM ${USAGE_TABLES.users} WHERE day BETWEEN $1 AND $2 GROUP BY day`,
        range,
      ),
      this.countByDay(
        `SELECT day, sum(failures) AS n FROM ${USAGE_TABLES.failures} WHERE day BETWEEN $1 AND $2 GROUP BY day`,
        range,
      ),
      this.budgetChanges(monthsOf(range)),
      readRevenueByDay(this.database, range),
    ]);
    const inRange = rows.filter((row) => row.day >= range.from);
    const spendByDay = new Map<string, number>();
    for (const row of rows) spendByDay.set(row.day, (spendByDay.get(row.day) ?? 0) + row.spendMicros);
    let monthToDate = 0;
    const monthToDateByDay = new Map<string, number>();
    for (const day of daysOf({ from: monthStart, to: range.to })) {
      if (day.endsWith('-01')) monthToDate = 0;
      monthToDate += spendByDay.get(day) ?? 0;
      monthToDateByDay.set(day, monthToDate);
    }
    const today = utcDayOf(this.clock.now());
    const series = dailySeries(range, inRange);
    const days = series.map((day): DashboardDay => {
      const ofDay = inRange.filter((row) => row.day === day.date);
      return {
        ...day,
        freeGenerations: ofDay.reduce((sum, row) => sum + row.freeGenerations, 0),
        paidGenerations: ofDay.reduce((sum, row) => sum + row.paidGenerations, 0),
        failures: failuresByDay.get(day.date) ?? 0,
        uniqueUsers: usersByDay.get(day.date) ?? 0,
        monthToDateSpendUsd: day.date > today ? null : microsToDollars(monthToDateByDay.get(day.date) ?? 0),
        capUsd: microsToDollars(capAt(changes, day.date, this.config.budgetMonthlyCapMicros)),
      };
    });
    return {
      from: range.from,
      to: range.to,
      summary: withRevenue(summarize(range, inRange, uniqueUsers), daysOf(range), revenue),
      failures: days.reduce((sum, day) => sum + day.failures, 0),
      days,
      tierChanges: changes
        .filter(
          (change) =>
            change.change !== 'cap_set' && change.at.slice(0, 10) >= range.from && change.at.slice(0, 10) <= range.to,
        )
        .map((change) => ({
          at: change.at,
          change: change.change,
          reason: change.reason,
          spendUsd: change.spendMicros === null ? null : microsToDollars(change.spendMicros),
          capUsd: change.capMicros === null ? null : microsToDollars(change.capMicros),
        })),
    };
  }

  /** All-time sums per tier and provider (the Prometheus counters). */
  async totals(): Promise<UsageTotals[]> {
    const rows = await this.database.query(
      `SELECT tier, provider, sum(generations) AS generations, sum(cache_hits) AS cache_hits,
              sum(spend_micros) AS spend_micros, sum(saved_micros) AS saved_micros
         FROM ${USAGE_TABLES.daily} GROUP BY tier, provider ORDER BY tier, provider`,
    );
    return rows.map((row) => ({
      tier: row.tier,
      provider: row.provider,
      generations: Number(row.generations),
      cacheHits: Number(row.cache_hits),
      spendMicros: Number(row.spend_micros),
      savedMicros: Number(row.saved_micros),
    }));
  }

  async failureTotals(): Promise<Array<{ tier: string; code: string; failures: number }>> {
    const rows = await this.database.query(
      `SELECT tier, code, sum(failures) AS failures FROM ${USAGE_TABLES.failures} GROUP BY tier, code ORDER BY tier, code`,
    );
    return rows.map((row) => ({ tier: row.tier, code: row.code, failures: Number(row.failures) }));
  }

  async latency(): Promise<
    Array<{ provider: string; tier: string; le: string; observations: number; totalMs: number }>
  > {
    const rows = await this.database.query(
      `SELECT provider, tier, le, observations, total_ms FROM ${USAGE_TABLES.latency} ORDER BY provider, tier`,
    );
    return rows.map((row) => ({
      provider: row.provider,
      tier: row.tier,
      le: row.le,
      observations: Number(row.observations),
      totalMs: Number(row.total_ms),
    }));
  }

  /** This month's spend (the same figure the summary gives for the month), cap and tier. */
  async monthBudget(): Promise<MonthBudget> {
    const range = this.currentMonth();
    const month = monthOfDay(range.from);
    const [rows, changes] = await Promise.all([this.usageRows(range), this.budgetChanges([month])]);
    const tierChanges = changes.filter((change) => change.change !== 'cap_set');
    return {
      month,
      spendMicros: rows.reduce((sum, row) => sum + row.spendMicros, 0),
      capMicros: capAt(changes, range.to, this.config.budgetMonthlyCapMicros),
      tier: tierChanges.at(-1)?.change === 'downgraded' ? 'standard' : 'premium',
    };
  }

  async openReservations(): Promise<number> {
    const [row] = await this.database.query<{ n: number }>('SELECT count(*) AS n FROM open_reservations');
    return Number(row.n);
  }

  private async usageRows(range: DayRange): Promise<DailyUsageRow[]> {
    const rows = await this.database.query(
      `SELECT day, tier, provider, generations, cache_hits, spend_micros, saved_micros, free_generations, paid_generations
         FROM ${USAGE_TABLES.daily} WHERE day BETWEEN $1 AND $2 ORDER BY day, tier, provider`,
      [range.from, range.to],
    );
    return rows.map((row) => ({
      day: row.day,
      tier: row.tier,
      provider: row.provider,
      generations: Number(row.generations),
      cacheHits: Number(row.cache_hits),
      spendMicros: Number(row.spend_micros),
      savedMicros: Number(row.saved_micros),
      freeGenerations: Number(row.free_generations),
      paidGenerations: Number(row.paid_generations),
    }));
  }

  private async uniqueUsers(range: DayRange): Promise<number> {
    const [row] = await this.database.query<{ n: number }>(
      `SELECT count(DISTINCT user_id) AS n FROM ${USAGE_TABLES.users} WHERE day BETWEEN $1 AND $2`,
      [range.from, range.to],
    );
    return Number(row.n);
  }

  private async countByDay(sql: string, range: DayRange): Promise<Map<string, number>> {
    const rows = await this.database.query<{ day: string; n: number }>(sql, [range.from, range.to]);
    return new Map(rows.map((row) => [row.day, Number(row.n)]));
  }

  private async budgetChanges(months: readonly string[]): Promise<BudgetChangeRow[]> {
    const rows = await this.database.query(
      `SELECT global_position, month, at, change, reason, spend_micros, cap_micros FROM ${BUDGET_CHANGES_TABLE}
        WHERE month = ANY($1::text[]) ORDER BY global_position`,
      [months],
    );
    return rows.map((row) => ({
      month: row.month,
      at: new Date(row.at).toISOString(),
      change: row.change,
      reason: row.reason,
      spendMicros: row.spend_micros === null ? null : Number(row.spend_micros),
      capMicros: row.cap_micros === null ? null : Number(row.cap_micros),
    }));
  }
}
