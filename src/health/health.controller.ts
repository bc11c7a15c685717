import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { Public } from '../common/http/auth';
import { CheckDatabase, type DatabaseHealth } from './check-database.query';
import { CheckReadiness } from './check-readiness.query';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly queryBus: QueryBus,
  ) {}

  /** 200 while the process runs. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** 200 when the database answers, migrations are applied and projections keep up. */
  @Get('ready')
  @HealthCheck()
  ready() {
    const database = this.queryBus.execute(new CheckDatabase());
    return this.health.check([
      async () => this.databaseAnswers(await database),
      async () => this.migrationsApplied(await database),
      () => this.queryBus.execute(new CheckReadiness()),
    ]);
  }

  private databaseAnswers(health: DatabaseHealth): HealthIndicatorResult {
    const indicator = this.indicators.check('database');
    return health.unreachable === undefined
      ? indicator.up({ kind: health.kind })
      : indicator.down({ kind: health.kind, message: health.unreachable });
  }

  private migrationsApplied(health: DatabaseHealth): HealthIndicatorResult {
    const indicator = this.indicators.check('migrations');
    if (health.unreachable !== undefined) return indicator.down({ message: health.unreachable });
    if (health.migrationsUnknown !== undefined) return indicator.down({ message: health.migrationsUnknown });
    return health.pendingMigrations ? indicator.down({ pending: true }) : indicator.up();
  }
}
