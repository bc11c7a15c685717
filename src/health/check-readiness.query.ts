import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ReadinessChecks } from '../common/readiness-checks';

/** The readiness conditions other modules registered (projections keeping up), as one result. */
export class CheckReadiness extends Query<HealthIndicatorResult> {}

@QueryHandler(CheckReadiness)
export class CheckReadinessHandler implements IQueryHandler<CheckReadiness, HealthIndicatorResult> {
  constructor(
    private readonly readiness: ReadinessChecks,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async execute(): Promise<HealthIndicatorResult> {
    const results = await Promise.all(this.readiness.all().map((check) => check(this.indicators)));
    return Object.assign({}, ...results);
  }
}
