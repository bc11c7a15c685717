import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/http/auth';
import { DayRangeQuery } from './analytics.dto';
import { GetDailyUsage, GetDashboardData, GetUsageSummary } from './get-usage/get-usage.queries';

@ApiTags('admin')
@ApiBearerAuth('admin')
@AdminOnly()
@Controller('v1/admin/analytics')
export class AnalyticsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get('summary')
  @ApiOperation({ summary: 'Usage, spend and savings over inclusive UTC days (default: this month)' })
  summary(@Query() query: DayRangeQuery) {
    return this.queryBus.execute(new GetUsageSummary(query));
  }

  @Get('daily')
  @ApiOperation({ summary: 'The same figures per UTC day, every day of the range included' })
  async daily(@Query() query: DayRangeQuery) {
    return { days: await this.queryBus.execute(new GetDailyUsage(query)) };
  }

  @Get('dashboard')
  @ApiOperation({
    summary:
      'What the /dashboard page draws: the summary, per-day figures with month-to-date spend and the cap, and tier changes',
  })
  dashboard(@Query() query: DayRangeQuery) {
    return this.queryBus.execute(new GetDashboardData(query));
  }
}
