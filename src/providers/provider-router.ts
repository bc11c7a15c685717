import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import type { Tier } from '../config/app-config';
import type { GenerateParams, GeneratedImage, ImageProvider, PriceParams, ProviderName } from './domain/image-provider';
import { ProviderResilience, type FailureReason, type ResilienceOptions } from './resilience';
import { TIER_PROVIDERS, type TierProviders } from './tier-providers';

export const RESILIENCE_OPTIONS = Symbol('RESILIENCE_OPTIONS');

export interface RoutedGeneration {
  readonly image: GeneratedImage;
  readonly provider: ProviderName;
  readonly model: string;
  readonly requestedTier: Tier;
  /** The tier that actually served: `standard` after a fallback. */
  readonly tier: Tier;
  /** What the provider that served bills for it; this is what must be charged and budgeted. */
  readonly costMicros: number;
  readonly fellBack: boolean;
  /** Why Premium was passed over, when it was. */
  readonly fallbackReason: FailureReason | null;
}

/** A request the provider refused, or one the caller gave up on, would fare no better elsewhere. */
const NO_FALLBACK: ReadonlySet<FailureReason> = new Set<FailureReason>(['rejected', 'cancelled']);

@Injectable()
export class ProviderRouter {
  private readonly logger = new Logger(ProviderRouter.name);
  private readonly resilience: Readonly<Record<Tier, ProviderResilience>>;

  constructor(
    @Inject(TIER_PROVIDERS) private readonly providers: TierProviders,
    @Optional() @Inject(RESILIENCE_OPTIONS) options: Partial<ResilienceOptions> = {},
  ) {
    this.resilience = {
      premium: new ProviderResilience(providers.premium.name, options),
      standard: new ProviderResilience(providers.standard.name, options),
    };
  }

  route(tier: Tier): ImageProvider {
    return this.providers[tier];
  }

  /**
   * The price to reserve before generating: enough for whichever provider ends up serving, since a
   * Premium request may fall back to Standard.
   */
  priceFor(tier: Tier, params: PriceParams): number {
    const own = this.route(tier).price(params);
    return tier === 'premium' ? Math.max(own, this.route('standard').price(params)) : own;
  }

  /**
   * Generates through the tier's provider with timeouts, retries and its circuit breaker. When
   * Premium is down (circuit open, retries exhausted, timed out, misconfigured) Standard serves
   * instead and the result says so; failures are DomainErrors (provider_failed /
   * provider_unavailable) of the provider tried last.
   */
  async generate(tier: Tier, params: GenerateParams): Promise<RoutedGeneration> {
    try {
      return await this.attempt(tier, tier, params, null);
    } catch (error) {
      if (tier !== 'premium' || !(error instanceof DomainError)) throw error;
      const reason = error.details.reason as FailureReason;
      if (NO_FALLBACK.has(reason)) throw error;
      this.logger.warn(`premium (${this.providers.premium.name}) failed: ${error.message}; standard serves`);
      return this.attempt('standard', tier, params, reason);
    }
  }

  private async attempt(
    tier: Tier,
    requestedTier: Tier,
    params: GenerateParams,
    fallbackReason: FailureReason | null,
  ): Promise<RoutedGeneration> {
    const provider = this.providers[tier];
    // The local provider has no network to fail: a timeout under load, or a breaker opened by
    // one, would only turn away requests it can always serve.
    const image =
      provider.name === 'local'
        ? await provider.generate(params)
        : await this.resilience[tier].execute((signal) => provider.generate({ ...params, signal }), params.signal);
    return {
      image,
      provider: provider.name,
      model: provider.model,
      requestedTier,
      tier,
      costMicros: provider.price(params),
      fellBack: fallbackReason !== null,
      fallbackReason,
    };
  }
}
