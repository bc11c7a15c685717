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

abstract class RangeHandler {
  constructor(protected readonly queries: AnalyticsQueries) {}

  protected range(days: Days): DayRange {
    return resolveRange(days, this.queries.currentMonth());
  }
}

@QueryHandler(GetUsageSummary)
export class GetUsageSummaryHandler extends RangeHandler implements IQueryHandler<GetUsageSummary, UsageSummary> {
  execute(query: GetUsageSummary): Promise<UsageSummary> {
    return this.queries.summary(this.range(query.days));
  }
}

@QueryHandler(GetDailyUsage)
export class GetDailyUsageHandler extends RangeHandler implements IQueryHandler<GetDailyUsage, DailyUsage[]> {
  execute(query: GetDailyUsage): Promise<DailyUsage[]> {
    return this.queries.daily(this.range(query.days));
  }
}

@QueryHandler(GetDashboardData)
export class GetDashboardDataHandler extends RangeHandler implements IQueryHandler<GetDashboardData, DashboardData> {
  execute(query: GetDashboardData): Promise<DashboardData> {
    return this.queries.dashboard(this.range(query.days));
  }
}
