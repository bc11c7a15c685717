import type { AppConfig, Tier } from '../config/app-config';
import { FalImageProvider } from './fal.provider';
import type { ImageProvider } from './domain/image-provider';
import { falImageSize, openAIImageSize } from './domain/image-sizes';
import { LocalImageProvider, type StandIn } from './local.provider';
import { OpenAIImageProvider } from './openai.provider';
import { falPriceMicros, openAIPriceMicros } from './domain/pricing';
import { DEFAULT_RESILIENCE_OPTIONS } from './resilience';

export const TIER_PROVIDERS = Symbol('TIER_PROVIDERS');

export type TierProviders = Readonly<Record<Tier, ImageProvider>>;

/**
 * Premium is OpenAI when OPENAI_API_KEY is set, Standard is fal when FAL_KEY is set; a tier
 * without a key is served by the local provider at the sizes of the provider it replaces.
 */
export function providersFromConfig(
  config: AppConfig,
  timeoutMs = DEFAULT_RESILIENCE_OPTIONS.attemptTimeoutMs,
): TierProviders {
  const openaiModel = config.openai.imageModel;
  const premiumStandIn: StandIn = {
    size: (params) => openAIImageSize(openaiModel, params.aspectRatio),
    price: (params) => openAIPriceMicros(openaiModel, params.quality, openAIImageSize(openaiModel, params.aspectRatio)),
  };
  const standardStandIn: StandIn = {
    size: (params) => falImageSize(params.aspectRatio),
    price: (params) => falPriceMicros('fal-ai/flux/schnell', falImageSize(params.aspectRatio)),
  };
  const { apiKey, baseUrl } = config.openai;
  const { key, baseUrl: falBaseUrl, imageModel: falModel } = config.fal;
  return {
    premium:
      apiKey === undefined
        ? new LocalImageProvider('premium', premiumStandIn)
        : new OpenAIImageProvider({ apiKey, baseUrl, model: openaiModel, timeoutMs }),
    standard:
      key === undefined
        ? new LocalImageProvider('standard', standardStandIn)
        : new FalImageProvider({ key, baseUrl: falBaseUrl, model: falModel }),
  };
}
