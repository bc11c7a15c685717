import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/http/auth';
import { ProjectionRegistry } from '../event-store/projection-registry';
import { RebuildProjectionsBody } from './analytics.dto';

@ApiTags('admin')
@ApiBearerAuth('admin')
@AdminOnly()
@Controller('v1/admin/projections')
export class ProjectionsAdminController {
  constructor(private readonly registry: ProjectionRegistry) {}

  /**
   * Verify replays each rebuilt projection once more, into scratch tables, and compares row by
   * row: rows that depended on batching or timing would differ there.
   */
  @Post('rebuild')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Rebuild every projection from the first event (blue/green), optionally verifying each against a fresh replay',
  })
  async rebuild(@Body() body: RebuildProjectionsBody) {
    const projections = [];
    for (const projection of this.registry.all()) {
      const rebuilt = await this.registry.rebuild(projection.name);
      if (!body.verify) {
        projections.push({ name: rebuilt.name, events: rebuilt.events });
        continue;
      }
      const verified = await this.registry.verify(projection.name);
      projections.push({
        name: rebuilt.name,
        events: rebuilt.events,
        matches: verified.matches,
        differences: verified.differenceCount,
      });
    }
    return { projections };
  }
}
