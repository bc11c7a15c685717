import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsQueries } from './analytics.queries';
import { DashboardController } from './dashboard/dashboard.controller';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { ScrapeMetricsHandler } from './metrics/scrape-metrics.query';
import { GetDailyUsageHandler, GetDashboardDataHandler, GetUsageSummaryHandler } from './get-usage/get-usage.queries';

/** Usage projections and what reads them: the admin analytics calls, /metrics and /dashboard. */
@Module({
  controllers: [AnalyticsController, MetricsController, DashboardController],
  providers: [
    AnalyticsQueries,
    MetricsService,
    ScrapeMetricsHandler,
    GetUsageSummaryHandler,
    GetDailyUsageHandler,
    GetDashboardDataHandler,
  ],
})
export class AnalyticsModule {}
