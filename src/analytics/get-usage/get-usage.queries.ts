import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { AlertView } from '../../alerts/admin/alert-view';
import { ListAlerts } from '../../alerts/admin/list-alerts.query';
import { monthOfDay, type DayRange } from '../../common/utc-time';
import type { DailyUsage, UsageSummary } from '../domain/usage-summary';
import { AnalyticsQueries, type DashboardData } from '../analytics.queries';
import { resolveRange, type DayRangeQuery } from '../analytics.dto';

/** Days asked for; a missing end defaults to the month of the other one, both missing to this month. */
type Days = Pick<DayRangeQuery, 'from' | 'to'>;

export class GetUsageSummary extends Query<UsageSummary> {
  constructor(readonly days: Days) {
    super();
  }
}

export class GetDailyUsage extends Query<DailyUsage[]> {
  constructor(readonly days: Days) {
    super();
  }
}

/** The dashboard's one data call: usage, tier changes, and the alerts of the range's month. */
export type DashboardPage = DashboardData & { readonly alerts: readonly AlertView[] };

export class GetDashboardData extends Query<DashboardPage> {
  constructor(readonly days: Days) {
    super();
  }
}

function rangeOf(queries: AnalyticsQueries, days: Days): DayRange {
  return resolveRange(days, queries.currentMonth());
}

@QueryHandler(GetUsageSummary)
export class GetUsageSummaryHandler implements IQueryHandler<GetUsageSummary, UsageSummary> {
  constructor(private readonly queries: AnalyticsQueries) {}

  execute(query: GetUsageSummary): Promise<UsageSummary> {
    return this.queries.summary(rangeOf(this.queries, query.days));
  }
}

@QueryHandler(GetDailyUsage)
export class GetDailyUsageHandler implements IQueryHandler<GetDailyUsage, DailyUsage[]> {
  constructor(private readonly queries: AnalyticsQueries) {}

  execute(query: GetDailyUsage): Promise<DailyUsage[]> {
    return this.queries.daily(rangeOf(this.queries, query.days));
  }
}

@QueryHandler(GetDashboardData)
export class GetDashboardDataHandler implements IQueryHandler<GetDashboardData, DashboardPage> {
  constructor(
    private readonly queries: AnalyticsQueries,
    private readonly queryBus: QueryBus,
  ) {}

  async execute(query: GetDashboardData): Promise<DashboardPage> {
    const range = rangeOf(this.queries, query.days);
    const [data, { alerts }] = await Promise.all([
      this.queries.dashboard(range),
      this.queryBus.execute(new ListAlerts(monthOfDay(range.from))),
    ]);
    return { ...data, alerts };
  }
}
