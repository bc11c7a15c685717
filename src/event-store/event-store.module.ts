import { Module, type DynamicModule } from '@nestjs/common';
import { EventStore } from './event-store';
import type { Projection } from './projection';
import { ProjectionRegistry } from './projection-registry';
import { PROJECTION_RUNNER_SETTINGS, ProjectionRunners, type ProjectionRunnerSettings } from './projection-runners';
import { allProjections } from '../projections';

export interface EventStoreModuleOptions extends ProjectionRunnerSettings {
  /** Defaults to every projection of the service (src/projections.ts). */
  readonly projections?: readonly Projection[];
}

/**
 * Projections as a Nest module: the registry (inline ones registered with the global EventStore)
 * and the async runners with their readiness check. EventStore and Database come from CoreModule.
 */
@Module({})
export class EventStoreModule {
  static forRoot(options: EventStoreModuleOptions = {}): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        { provide: PROJECTION_RUNNER_SETTINGS, useValue: options },
        {
          provide: ProjectionRegistry,
          inject: [EventStore],
          useFactory: (store: EventStore) => new ProjectionRegistry(store, options.projections ?? allProjections()),
        },
        ProjectionRunners,
      ],
      exports: [ProjectionRegistry, ProjectionRunners],
    };
  }
}
