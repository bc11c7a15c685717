import { Module } from '@nestjs/common';
import { EventStoreModule } from '../event-store/event-store.module';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsQueries } from './analytics.queries';
import { DashboardController } from './dashboard/dashboard.controller';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { ProjectionsAdminController } from './projections-admin.controller';

/**
 * Usage projections and what reads them: the admin analytics calls, /metrics and /dashboard.
 * It brings the projection machinery (registry, async runners) into the application, which is
 * what runs its projections.
 */
@Module({
  imports: [EventStoreModule.forRoot()],
  controllers: [AnalyticsController, ProjectionsAdminController, MetricsController, DashboardController],
  providers: [AnalyticsQueries, MetricsService],
})
export class AnalyticsModule {}
