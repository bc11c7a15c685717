import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { Clock, SystemClock } from './common/clock';
import { IdGenerator, RandomIdGenerator } from './common/ids';
import { Database } from './database/database';
import { ALL_MIGRATIONS } from './migrations';
import { EventStore } from './event-store/event-store';
import { join } from 'node:path';
import { RESILIENCE_OPTIONS } from './providers/provider-router';
import type { ResilienceOptions } from './providers/resilience';

export interface CoreOptions {
  readonly config: AppConfig;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  /** An already open database (tests share one across apps); otherwise opened from config. */
  readonly database?: Database;
  /** Provider timeouts, retries and breaker (tests shorten them). */
  readonly providerResilience?: Partial<ResilienceOptions>;
}

export const CORE_OPTIONS = Symbol('CORE_OPTIONS');

/**
 * The shared infrastructure every module injects: configuration, clock, ids, the database
 * (migrated before anything else starts) and the event store.
 */
@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(
    private readonly database: Database,
    @Inject(CORE_OPTIONS) private readonly options: CoreOptions,
  ) {}

  static forRoot(options: CoreOptions): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: CORE_OPTIONS, useValue: options },
        { provide: APP_CONFIG, useValue: options.config },
        { provide: RESILIENCE_OPTIONS, useValue: options.providerResilience ?? {} },
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
        { provide: IdGenerator, useValue: options.ids ?? new RandomIdGenerator() },
        {
          provide: Database,
          useFactory: async () => {
            const database = options.database ?? (await openDatabase(options.config));
            await database.migrate();
            return database;
          },
        },
        {
          provide: EventStore,
          inject: [Database, Clock],
          useFactory: (database: Database, clock: Clock) => new EventStore(database, clock),
        },
      ],
      exports: [APP_CONFIG, RESILIENCE_OPTIONS, Clock, IdGenerator, Database, EventStore],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.options.database) await this.database.close();
  }
}

export function openDatabase(config: AppConfig): Promise<Database> {
  return Database.open({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    pgliteDir: join(config.dataDir, 'pglite'),
    migrations: ALL_MIGRATIONS,
  });
}
