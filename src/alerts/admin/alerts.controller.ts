import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/http/auth';
import { AlertIdParams } from './alerts.dto';
import { ListAlerts } from './list-alerts.query';
import { RetryAlert } from './retry-alert.command';

@ApiTags('admin')
@ApiBearerAuth('admin')
@AdminOnly()
@Controller('v1/admin/alerts')
export class AlertsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  @Get()
  @ApiOperation({ summary: "This month's alerts with their delivery state (pending, delivered, dead) and attempts" })
  async list() {
    return this.queryBus.execute(new ListAlerts());
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-queue a dead alert for delivery (its attempts start again from zero)' })
  async retry(@Param() { id }: AlertIdParams) {
    return this.commandBus.execute(new RetryAlert(id));
  }
}
