import { ASPECT_RATIOS, type AspectRatio } from './image-provider';
import { falImageSize, openAIImageSize } from './image-sizes';

describe('image sizes', () => {
  it.each<[AspectRatio, string, string]>([
    ['1:1', '1024x1024', '1024x1024'],
    ['16:9', '1792x1024', '1536x1024'],
    ['4:3', '1792x1024', '1536x1024'],
    ['3:1', '1792x1024', '1536x1024'],
    ['9:16', '1024x1792', '1024x1536'],
    ['3:4', '1024x1792', '1024x1536'],
    ['1:3', '1024x1792', '1024x1536'],
  ])('OpenAI %s -> dall-e-3 %s, gpt-image-1 %s', (ratio, dallE, gptImage) => {
    const label = (s: { width: number; height: number }) => `${s.width}x${s.height}`;
    expect(label(openAIImageSize('dall-e-3', ratio))).toBe(dallE);
    expect(label(openAIImageSize('gpt-image-1', ratio))).toBe(gptImage);
  });

  it.each(ASPECT_RATIOS)('fal %s is a multiple of 32 close to the ratio', (ratio) => {
    const { width, height } = falImageSize(ratio);
    const [w, h] = ratio.split(':').map(Number);
    expect(width % 32).toBe(0);
    expect(height % 32).toBe(0);
    expect(Math.abs(width / height / (w / h) - 1)).toBeLessThan(0.02);
  });

  it('fal sizes are exact where a multiple of 32 allows', () => {
    expect(falImageSize('4:3')).toEqual({ width: 1152, height: 864 });
    expect(falImageSize('3:1')).toEqual({ width: 1728, height: 576 });
    expect(falImageSize('1:3')).toEqual({ width: 576, height: 1728 });
  });
});
