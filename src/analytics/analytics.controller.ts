import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/http/auth';
import { AnalyticsQueries } from './analytics.queries';
import { DayRangeQuery, resolveRange } from './analytics.dto';

@ApiTags('admin')
@ApiBearerAuth('admin')
@AdminOnly()
@Controller('v1/admin/analytics')
export class AnalyticsController {
  constructor(private readonly queries: AnalyticsQueries) {}

  @Get('summary')
  @ApiOperation({ summary: 'Usage, spend and savings over inclusive UTC days (default: this month)' })
  async summary(@Query() query: DayRangeQuery) {
    return this.queries.summary(resolveRange(query, this.queries.currentMonth()));
  }

  @Get('daily')
  @ApiOperation({ summary: 'The same figures per UTC day, every day of the range included' })
  async daily(@Query() query: DayRangeQuery) {
    return { days: await this.queries.daily(resolveRange(query, this.queries.currentMonth())) };
  }

  @Get('dashboard')
  @ApiOperation({
    summary:
      'What the /dashboard page draws: the summary, per-day figures with month-to-date spend and the cap, and tier changes',
  })
  async dashboard(@Query() query: DayRangeQuery) {
    return this.queries.dashboard(resolveRange(query, this.queries.currentMonth()));
  }
}
