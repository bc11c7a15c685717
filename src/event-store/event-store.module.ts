import { Module, type DynamicModule } from '@nestjs/common';
import { EventStore } from './event-store';
import type { Projection } from './projection';
import { ProjectionRegistry } from './projection-registry';
import { PROJECTION_RUNNER_SETTINGS, ProjectionRunners, type ProjectionRunnerSettings } from './projection-runners';
import { RebuildProjectionsController } from './rebuild-projections/rebuild-projections.controller';
import { RebuildProjectionsHandler } from './rebuild-projections/rebuild-projections.handler';

export interface EventStoreModuleOptions extends ProjectionRunnerSettings {
  /** The projections this application runs (the service passes src/projections.ts). */
  readonly projections: readonly Projection[];
}

/**
 * Projections as a Nest module: the registry (inline ones registered with the global EventStore),
 * the async runners with their readiness check, and the admin rebuild command. EventStore and Database come from CoreModule.
 */
@Module({})
export class EventStoreModule {
  static forRoot(options: EventStoreModuleOptions): DynamicModule {
    return {
      module: EventStoreModule,
      global: true,
      controllers: [RebuildProjectionsController],
      providers: [
        RebuildProjectionsHandler,
        { provide: PROJECTION_RUNNER_SETTINGS, useValue: options },
        {
          provide: ProjectionRegistry,
          inject: [EventStore],
          useFactory: (store: EventStore) => new ProjectionRegistry(store, options.projections),
        },
        ProjectionRunners,
      ],
      exports: [ProjectionRegistry, ProjectionRunners],
    };
  }
}
