import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ProjectionRegistry } from '../projection-registry';

/** Rebuild every projection from the first event (blue/green); with `verify`, compare each against a fresh replay. */
export interface RebuiltProjection {
  readonly name: string;
  readonly events: number;
  readonly matches?: boolean;
  readonly differences?: number;
}

export class RebuildProjections extends Command<RebuiltProjection[]> {
  constructor(readonly verify: boolean) {
    super();
  }
}

@CommandHandler(RebuildProjections)
export class RebuildProjectionsHandler implements ICommandHandler<RebuildProjections, RebuiltProjection[]> {
  constructor(private readonly registry: ProjectionRegistry) {}

  /**
   * Verify replays each rebuilt projection once more, into scratch tables, and compares row by
   * row: rows that depended on batching or timing would differ there.
   */
  async execute(command: RebuildProjections): Promise<RebuiltProjection[]> {
    const projections: RebuiltProjection[] = [];
    for (const projection of this.registry.all()) {
      const rebuilt = await this.registry.rebuild(projection.name);
      if (!command.verify) {
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
    return projections;
  }
}
