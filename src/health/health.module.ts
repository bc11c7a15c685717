import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { ReadinessChecks } from '../common/readiness-checks';
import { CheckDatabaseHandler } from './check-database.query';
import { CheckReadinessHandler } from './check-readiness.query';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [ReadinessChecks, CheckDatabaseHandler, CheckReadinessHandler],
  exports: [ReadinessChecks],
})
export class HealthModule {}
