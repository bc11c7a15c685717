import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { MetricsAccess } from '../../common/http/auth';
import { QueryBus } from '@nestjs/cqrs';
import { ScrapeMetrics } from './scrape-metrics.query';

@ApiTags('operations')
@ApiBearerAuth('metrics')
@MetricsAccess()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format); Bearer METRICS_TOKEN when it is set' })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const { contentType, body } = await this.queryBus.execute(new ScrapeMetrics());
    void reply.header('Content-Type', contentType);
    return body;
  }
}
