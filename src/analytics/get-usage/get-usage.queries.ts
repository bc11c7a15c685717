import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { DayRange } from '../../common/utc-time';
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

export class GetDashboardData extends Query<DashboardData> {
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
export class GetDashboardDataHandler implements IQueryHandler<GetDashboardData, DashboardData> {
  constructor(private readonly queries: AnalyticsQueries) {}

  execute(query: GetDashboardData): Promise<DashboardData> {
    return this.queries.dashboard(rangeOf(this.queries, query.days));
  }
}
