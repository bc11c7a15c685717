import type { OpenAIImageModel } from '../../config/app-config';
import type { ImageQuality, ImageSize } from './image-provider';
import { sizeLabel } from './image-sizes';

/** gpt-image-1 bills by its own quality levels; ours map standard -> medium, hd -> high. */
export type GptImageQuality = 'low' | 'medium' | 'high';

/**
 * Published per-image list prices in integer micro-dollars ($1 = 1,000,000). A size missing
 * from a row is one the model does not offer.
 */
export const PRICE_TABLE = {
  'dall-e-3': {
    standard: { '1024x1024': 40_000, '1024x1792': 80_000, '1792x1024': 80_000 },
    hd: { '1024x1024': 80_000, '1024x1792': 120_000, '1792x1024': 120_000 },
  },
  'gpt-image-1': {
    low: { '1024x1024': 11_000, '1024x1536': 16_000, '1536x1024': 16_000 },
    medium: { '1024x1024': 42_000, '1024x1536': 63_000, '1536x1024': 63_000 },
    high: { '1024x1024': 167_000, '1024x1536': 250_000, '1536x1024': 250_000 },
  },
  /** fal bills per megapixel of output, each started megapixel in full. */
  falPerMegapixel: {
    'fal-ai/flux/schnell': 3_000,
    'fal-ai/flux/dev': 25_000,
  },
} as const;

/** fal counts a megapixel as 1024x1024 pixels: its 1024x1024 images cost exactly the listed rate. */
export const FAL_MEGAPIXEL = 1024 * 1024;

export function gptImageQuality(quality: ImageQuality): GptImageQuality {
  return quality === 'hd' ? 'high' : 'medium';
}

export function openAIPriceMicros(model: OpenAIImageModel, quality: ImageQuality, size: ImageSize): number {
  const row: Readonly<Record<string, number>> =
    model === 'dall-e-3' ? PRICE_TABLE['dall-e-3'][quality] : PRICE_TABLE['gpt-image-1'][gptImageQuality(quality)];
  return lookup(row, size, model);
}

export function isPricedFalModel(model: string): model is keyof typeof PRICE_TABLE.falPerMegapixel {
  return Object.hasOwn(PRICE_TABLE.falPerMegapixel, model);
}

export function falPriceMicros(model: keyof typeof PRICE_TABLE.falPerMegapixel, size: ImageSize): number {
  const megapixels = Math.ceil((size.width * size.height) / FAL_MEGAPIXEL);
  return PRICE_TABLE.falPerMegapixel[model] * megapixels;
}

function lookup(row: Readonly<Record<string, number>>, size: ImageSize, model: string): number {
  const price = row[sizeLabel(size)];
  if (price === undefined) throw new Error(`${model} has no price for ${sizeLabel(size)}`);
  return price;
}
