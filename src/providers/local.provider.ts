import { createHash } from 'node:crypto';
import type { Tier } from '../config/app-config';
import type { GenerateParams, GeneratedImage, ImageProvider, ImageSize, PriceParams } from './domain/image-provider';
import { placeholderPng } from './placeholder-png';

/** The real provider a local one stands in for: its sizes, and its price for analytics. */
export interface StandIn {
  size(params: PriceParams): ImageSize;
  price(params: PriceParams): number;
}

/**
 * Serves a tier that has no provider key: a deterministic PNG drawn from the request, at the
 * stood-in provider's real dimensions, so everything downstream (storage, print sizes, cache)
 * behaves as in production. The PNG says in a comment that it is a placeholder.
 */
export class LocalImageProvider implements ImageProvider {
  readonly name = 'local' as const;
  readonly model: `local-${Tier}`;

  constructor(
    tier: Tier,
    private readonly standIn: StandIn,
  ) {
    this.model = `local-${tier}`;
  }

  size(params: PriceParams): ImageSize {
    return this.standIn.size(params);
  }

  /** Nothing is billed, so budgets and captures see 0. */
  price(): number {
    return 0;
  }

  /** What the stood-in provider would have billed, for "what would this have cost" reports. */
  notionalPrice(params: PriceParams): number {
    return this.standIn.price(params);
  }

  async generate(params: GenerateParams): Promise<GeneratedImage> {
    const { width, height } = this.size(params);
    const seed = createHash('sha256')
      .update(JSON.stringify([this.model, params.prompt, params.aspectRatio, params.style, params.quality]))
      .digest();
    const bytes = await placeholderPng(seed, width, height, `genledger ${this.model} placeholder, not an AI image`);
    return {
      bytes,
      mimeType: 'image/png',
      width,
      height,
      model: this.model,
      provider: this.name,
      providerRequestId: `local_${seed.toString('hex', 0, 12)}`,
    };
  }
}
