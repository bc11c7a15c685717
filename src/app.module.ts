import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CoreModule, type CoreOptions } from './config/core.module';
import { AuthGuard } from './common/http/auth';
import { HealthModule } from './health/health.module';

export type AppOptions = CoreOptions;

@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(options), HealthModule],
      providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
    };
  }
}
