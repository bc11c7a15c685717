import type { OpenAIImageModel } from '../../config/app-config';
import { ASPECT_RATIOS, type AspectRatio, type ImageQuality } from './image-provider';
import { falImageSize, openAIImageSize } from './image-sizes';
import { FAL_MEGAPIXEL, PRICE_TABLE, falPriceMicros, gptImageQuality, openAIPriceMicros } from './pricing';

describe('pricing', () => {
  describe('dall-e-3', () => {
    it.each<[ImageQuality, number, number, number]>([
      ['standard', 1024, 1024, 40_000],
      ['standard', 1024, 1792, 80_000],
      ['standard', 1792, 1024, 80_000],
      ['hd', 1024, 1024, 80_000],
      ['hd', 1024, 1792, 120_000],
      ['hd', 1792, 1024, 120_000],
    ])('%s %ix%i costs %i micro-dollars', (quality, width, height, micros) => {
      expect(openAIPriceMicros('dall-e-3', quality, { width, height })).toBe(micros);
    });
  });

  describe('gpt-image-1', () => {
    it.each<[ImageQuality, number, number, number]>([
      ['standard', 1024, 1024, 42_000],
      ['standard', 1024, 1536, 63_000],
      ['standard', 1536, 1024, 63_000],
      ['hd', 1024, 1024, 167_000],
      ['hd', 1024, 1536, 250_000],
      ['hd', 1536, 1024, 250_000],
    ])('%s %ix%i costs %i micro-dollars', (quality, width, height, micros) => {
      expect(openAIPriceMicros('gpt-image-1', quality, { width, height })).toBe(micros);
    });

    it('maps our qualities onto OpenAI’s medium and high', () => {
      expect(gptImageQuality('standard')).toBe('medium');
      expect(gptImageQuality('hd')).toBe('high');
    });

    it('lists the low tier at the published prices', () => {
      expect(PRICE_TABLE['gpt-image-1'].low).toEqual({ '1024x1024': 11_000, '1024x1536': 16_000, '1536x1024': 16_000 });
    });
  });

  it('refuses a size the model does not offer', () => {
    expect(() => openAIPriceMicros('dall-e-3', 'hd', { width: 1536, height: 1024 })).toThrow('no price for 1536x1024');
  });

  describe('fal', () => {
    it.each<[number, number, number]>([
      [1024, 1024, 3_000],
      [1024, 1025, 6_000],
      [512, 512, 3_000],
      [2048, 2048, 12_000],
      [1, 1, 3_000],
    ])('flux schnell %ix%i costs %i micro-dollars (megapixels rounded up)', (width, height, micros) => {
      expect(falPriceMicros('fal-ai/flux/schnell', { width, height })).toBe(micros);
    });

    it('prices flux dev at its own rate', () => {
      expect(falPriceMicros('fal-ai/flux/dev', { width: 1024, height: 1024 })).toBe(25_000);
    });
  });

  describe('every size we request is priced', () => {
    const models: OpenAIImageModel[] = ['dall-e-3', 'gpt-image-1'];
    const cases = models.flatMap((model) =>
      ASPECT_RATIOS.flatMap((ratio) =>
        (['standard', 'hd'] as const).map((quality) => [model, ratio, quality] as const),
      ),
    );

    it.each(cases)('%s %s %s', (model, ratio, quality) => {
      const price = openAIPriceMicros(model, quality, openAIImageSize(model, ratio));
      expect(Number.isInteger(price)).toBe(true);
      expect(price).toBeGreaterThan(0);
    });

    it.each(ASPECT_RATIOS)('fal %s fits in one billed megapixel', (ratio: AspectRatio) => {
      const size = falImageSize(ratio);
      expect(size.width * size.height).toBeLessThanOrEqual(FAL_MEGAPIXEL);
      expect(falPriceMicros('fal-ai/flux/schnell', size)).toBe(3_000);
    });
  });
});
