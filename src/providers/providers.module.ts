import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ProviderCircuitEvents } from './circuit-events';
import { ProviderRouter, RESILIENCE_OPTIONS, type ProviderRouterOptions } from './provider-router';
import { TIER_PROVIDERS, providersFromConfig, type TierProviders } from './tier-providers';

@Module({
  providers: [
    ProviderCircuitEvents,
    { provide: TIER_PROVIDERS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => providersFromConfig(config) },
    {
      provide: ProviderRouter,
      inject: [TIER_PROVIDERS, APP_CONFIG, ProviderCircuitEvents, { token: RESILIENCE_OPTIONS, optional: true }],
      useFactory: (
        providers: TierProviders,
        config: AppConfig,
        circuits: ProviderCircuitEvents,
        options: ProviderRouterOptions | undefined,
      ) =>
        new ProviderRouter(providers, {
          deadlineMs: config.providerDeadlineSeconds * 1000,
          onCircuitChange: (provider, change, failures) => void circuits.record(provider, change, failures),
          ...options,
        }),
    },
  ],
  exports: [ProviderRouter],
})
export class ProvidersModule {}
