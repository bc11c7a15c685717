import type { Tier } from '../../config/app-config';

/** The generation stream (`generation-{id}`): one request for an image, from ask to outcome. */
export function generationStreamId(generationId: string): string {
  return `generation-${generationId}`;
}

export type Charge = 'free' | 'paid' | 'none';

export interface ImageRef {
  readonly url: string;
  readonly width: number;
  readonly height: number;
  readonly mimeType: string;
  readonly publicId?: string;
}

export interface RequestedImage {
  readonly generationId: string;
  readonly userId: string;
  readonly prompt: string;
  readonly aspectRatio: string;
  readonly style: string | null;
  readonly quality: string;
  readonly requestedTier: Tier;
  readonly cacheKey: string;
}

export type GenerationRequested = {
  readonly type: 'GenerationRequested';
  readonly data: RequestedImage & {
    readonly tier: Tier;
    readonly downgraded: boolean;
    readonly reservationId: string;
    readonly charge: Exclude<Charge, 'none'>;
    readonly reservedPriceMicros: number;
    readonly requestedAt: string;
  };
};

export type GenerationSucceeded = {
  readonly type: 'GenerationSucceeded';
  readonly data: {
    readonly generationId: string;
    readonly userId: string;
    readonly provider: string;
    readonly model: string;
    readonly tier: Tier;
    readonly fellBack: boolean;
    readonly cacheKey: string;
    readonly image: ImageRef;
    readonly costMicros: number;
    readonly charge: Charge;
    readonly providerRequestId: string;
    readonly completedAt: string;
  };
};

export type GenerationFailed = {
  readonly type: 'GenerationFailed';
  readonly data: {
    readonly generationId: string;
    readonly userId: string;
    readonly code: string;
    readonly message: string;
    readonly provider: string | null;
    readonly failedAt: string;
  };
};

/** A request served from the prompt cache: nothing charged, `savedMicros` not spent at the provider. */
export type CacheHit = {
  readonly type: 'CacheHit';
  readonly data: RequestedImage & {
    readonly sourceGenerationId: string;
    readonly tier: Tier;
    readonly downgraded: boolean;
    readonly provider: string;
    readonly model: string;
    readonly image: ImageRef;
    readonly savedMicros: number;
    readonly servedAt: string;
  };
};

export type GenerationEvent = GenerationRequested | GenerationSucceeded | GenerationFailed | CacheHit;
