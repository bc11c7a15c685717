import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { MetricsService } from './metrics.service';

export interface Scrape {
  readonly contentType: string;
  readonly body: string;
}

/** The Prometheus exposition of this instance's registry and the projections' figures. */
export class ScrapeMetrics extends Query<Scrape> {}

@QueryHandler(ScrapeMetrics)
export class ScrapeMetricsHandler implements IQueryHandler<ScrapeMetrics, Scrape> {
  constructor(private readonly metrics: MetricsService) {}

  execute(): Promise<Scrape> {
    return this.metrics.scrape();
  }
}
