import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ProviderRouter, RESILIENCE_OPTIONS, type ProviderRouterOptions } from './provider-router';
import { TIER_PROVIDERS, providersFromConfig, type TierProviders } from './tier-providers';

@Module({
  providers: [
    { provide: TIER_PROVIDERS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => providersFromConfig(config) },
    {
      provide: ProviderRouter,
      inject: [TIER_PROVIDERS, APP_CONFIG, { token: RESILIENCE_OPTIONS, optional: true }],
      useFactory: (providers: TierProviders, config: AppConfig, options: ProviderRouterOptions | undefined) =>
        new ProviderRouter(providers, { deadlineMs: config.providerDeadlineSeconds * 1000, ...options }),
    },
  ],
  exports: [ProviderRouter],
})
export class ProvidersModule {}
