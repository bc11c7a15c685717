import type { OpenAIImageModel } from '../../config/app-config';
import type { AspectRatio, ImageSize } from './image-provider';

type Orientation = 'square' | 'landscape' | 'portrait';

const ORIENTATION: Readonly<Record<AspectRatio, Orientation>> = {
  '1:1': 'square',
  '16:9': 'landscape',
  '4:3': 'landscape',
  '3:1': 'landscape',
  '9:16': 'portrait',
  '3:4': 'portrait',
  '1:3': 'portrait',
};

/** OpenAI only offers three sizes per model, so every ratio maps to the closest orientation. */
const OPENAI_SIZES: Readonly<Record<OpenAIImageModel, Readonly<Record<Orientation, ImageSize>>>> = {
  'dall-e-3': {
    square: { width: 1024, height: 1024 },
    landscape: { width: 1792, height: 1024 },
    portrait: { width: 1024, height: 1792 },
  },
  'gpt-image-1': {
    square: { width: 1024, height: 1024 },
    landscape: { width: 1536, height: 1024 },
    portrait: { width: 1024, height: 1536 },
  },
};

/**
 * fal takes any `image_size`; Flux works on 16-pixel latents and we keep to multiples of 32.
 * Each size is at most 1024x1024 pixels, the one megapixel fal bills, and as close to it as an
 * exact ratio allows. 16:9 has no exact multiple-of-32 size between 0.6 and 1 MP, so it is
 * 1344x768 (1.75:1, 1.6% narrower than 16:9), the usual Flux/SDXL bucket.
 */
const FAL_SIZES: Readonly<Record<AspectRatio, ImageSize>> = {
  '1:1': { width: 1024, height: 1024 },
  '16:9': { width: 1344, height: 768 },
  '9:16': { width: 768, height: 1344 },
  '4:3': { width: 1152, height: 864 },
  '3:4': { width: 864, height: 1152 },
  '3:1': { width: 1728, height: 576 },
  '1:3': { width: 576, height: 1728 },
};

export function openAIImageSize(model: OpenAIImageModel, aspectRatio: AspectRatio): ImageSize {
  return OPENAI_SIZES[model][ORIENTATION[aspectRatio]];
}

export function falImageSize(aspectRatio: AspectRatio): ImageSize {
  return FAL_SIZES[aspectRatio];
}

/** The `WxH` form OpenAI takes and the price table is keyed by. */
export function sizeLabel(size: ImageSize): string {
  return `${size.width}x${size.height}`;
}
