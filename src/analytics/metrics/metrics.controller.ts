import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../common/http/auth';
import { QueryBus } from '@nestjs/cqrs';
import { ScrapeMetrics } from './scrape-metrics.query';

@ApiTags('operations')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const { contentType, body } = await this.queryBus.execute(new ScrapeMetrics());
    void reply.header('Content-Type', contentType);
    return body;
  }
}
