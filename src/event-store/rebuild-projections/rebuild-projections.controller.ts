import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/http/auth';
import { RebuildProjectionsBody } from './rebuild-projections.dto';
import { RebuildProjections, type RebuiltProjection } from './rebuild-projections.handler';

@ApiTags('admin')
@ApiBearerAuth('admin')
@AdminOnly()
@Controller('v1/admin/projections')
export class RebuildProjectionsController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('rebuild')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Rebuild every projection from the first event (blue/green), optionally verifying each against a fresh replay',
  })
  async rebuild(@Body() body: RebuildProjectionsBody): Promise<{ projections: RebuiltProjection[] }> {
    const projections = await this.commandBus.execute(new RebuildProjections(body.verify === true));
    return { projections };
  }
}
