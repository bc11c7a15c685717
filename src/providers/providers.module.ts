import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ProviderRouter } from './provider-router';
import { TIER_PROVIDERS, providersFromConfig } from './tier-providers';

@Module({
  providers: [
    { provide: TIER_PROVIDERS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => providersFromConfig(config) },
    ProviderRouter,
  ],
  exports: [ProviderRouter],
})
export class ProvidersModule {}
