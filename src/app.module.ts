import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CoreModule, type CoreOptions } from './core.module';
import { AuthGuard } from './common/http/auth';
import { HealthModule } from './health/health.module';
import { ScheduleModule } from '@nestjs/schedule';
import { CqrsModule } from '@nestjs/cqrs';
import { BillingModule } from './billing/billing.module';
import { GenerationModule } from './generation/generation.module';
import { AnalyticsModule } from './analytics/analytics.module';
import { UserPageModule } from './user-page/user-page.module';
import { EventStoreModule } from './event-store/event-store.module';
import { ALL_PROJECTIONS } from './projections';

export interface AppOptions extends CoreOptions {
  /** Run the scheduled jobs (tests call them directly instead). */
  readonly schedule?: boolean;
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(options),
        CqrsModule.forRoot(),
        ...(options.schedule === false ? [] : [ScheduleModule.forRoot()]),
        HealthModule,
        EventStoreModule.forRoot({ projections: ALL_PROJECTIONS }),
        BillingModule,
        GenerationModule,
        AnalyticsModule,
        UserPageModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
    };
  }
}
