import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { IdGenerator } from '../common/ids';
import { Database } from '../database/database';
import { BillingModule } from '../billing/billing.module';
import { ProvidersModule } from '../providers/providers.module';
import { MediaModule } from '../media/media.module';
import { AbandonedGenerations } from './generate-image/abandoned-generations';
import { GenerateImageController } from './generate-image/generate-image.controller';
import { GenerateImageHandler } from './generate-image/generate-image.handler';
import { CacheHits } from './generate-image/cache-hits';
import { GenerationOutcomes } from './generate-image/generation-outcomes';
import { IdempotencyStore } from './generate-image/idempotency';
import { Admissions } from './generate-image/admission';
import { PromptCacheLookup } from './generate-image/prompt-cache-lookup';
import { ProviderGeneration } from './generate-image/provider-generation';
import { RateLimiter } from './generate-image/rate-limiter';
import { SingleFlight } from './generate-image/single-flight';
import { GetGenerationsController } from './get-generations/get-generations.controller';
import { GetGenerationHandler, ListGenerationsHandler } from './read-models/generations/generations.queries';
import { FindCachedImagesHandler } from './read-models/prompt-cache/find-cached-images.query';
import { FindSelectionHandler } from './read-models/selections/find-selection.query';
import { SelectImageController } from './select-image/select-image.controller';
import { SelectImageHandler } from './select-image/select-image.handler';
import { PrintProduction } from './select-image/print-production';
import { GenerationJobs } from './generation.jobs';
import { GetPurgedRowsHandler } from './purge-expired/get-purged-rows.query';
import { PurgeExpiredRowsHandler } from './purge-expired/purge-expired.handler';
import { PurgedRowsTally } from './purge-expired/purged-rows';
import { PrintRateLimiter } from './select-image/print-rate-limiter';
import { PrintSizeClaims } from './select-image/print-size-claims';

/** The coordination rows of the generate and select flows, one per process, shared by their requests. */
const COORDINATION = [
  {
    provide: SingleFlight,
    inject: [Database, Clock, IdGenerator, APP_CONFIG],
    useFactory: (database: Database, clock: Clock, ids: IdGenerator, config: AppConfig) =>
      new SingleFlight(database, clock, ids.uuid(), config.reservationTimeoutSeconds * 1000),
  },
  {
    provide: IdempotencyStore,
    inject: [Database, Clock, APP_CONFIG],
    useFactory: (database: Database, clock: Clock, config: AppConfig) =>
      new IdempotencyStore(database, clock, config.reservationTimeoutSeconds * 1000),
  },
  {
    provide: RateLimiter,
    inject: [Database, Clock, APP_CONFIG],
    useFactory: (database: Database, clock: Clock, config: AppConfig) =>
      new RateLimiter(database, clock, config.rateLimitPerMinute),
  },
  {
    provide: PrintRateLimiter,
    inject: [Database, Clock, APP_CONFIG],
    useFactory: (database: Database, clock: Clock, config: AppConfig) =>
      new PrintRateLimiter(database, clock, config.print.perUserPerMinute),
  },
  {
    provide: PrintSizeClaims,
    inject: [Database, Clock, APP_CONFIG],
    useFactory: (database: Database, clock: Clock, config: AppConfig) =>
      new PrintSizeClaims(database, clock, config.print.sizesPerGeneration),
  },
];

@Module({
  imports: [BillingModule, ProvidersModule, MediaModule],
  controllers: [GenerateImageController, GetGenerationsController, SelectImageController],
  providers: [
    ...COORDINATION,
    PromptCacheLookup,
    Admissions,
    CacheHits,
    GenerationOutcomes,
    ProviderGeneration,
    GenerateImageHandler,
    SelectImageHandler,
    PrintProduction,
    AbandonedGenerations,
    GetGenerationHandler,
    ListGenerationsHandler,
    FindCachedImagesHandler,
    FindSelectionHandler,
    PurgedRowsTally,
    PurgeExpiredRowsHandler,
    GetPurgedRowsHandler,
    GenerationJobs,
  ],
})
export class GenerationModule {}
