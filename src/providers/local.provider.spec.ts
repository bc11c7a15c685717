import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { ASPECT_RATIOS, type GenerateParams } from './domain/image-provider';
import { falImageSize, openAIImageSize } from './domain/image-sizes';
import { LocalImageProvider } from './local.provider';

const premium = new LocalImageProvider('premium', {
  size: (p) => openAIImageSize('dall-e-3', p.aspectRatio),
  price: () => 120_000,
});
const standard = new LocalImageProvider('standard', { size: (p) => falImageSize(p.aspectRatio), price: () => 3_000 });
const request: GenerateParams = { prompt: 'a lighthouse at dawn', aspectRatio: '16:9', style: 'vivid', quality: 'hd' };
const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('LocalImageProvider', () => {
  it('names itself and costs nothing, while knowing what it stands in for', () => {
    expect(premium.name).toBe('local');
    expect(premium.model).toBe('local-premium');
    expect(standard.model).toBe('local-standard');
    expect(premium.price()).toBe(0);
    expect(premium.notionalPrice(request)).toBe(120_000);
  });

  it('gives identical bytes for an identical request', async () => {
    const [a, b] = await Promise.all([premium.generate(request), premium.generate({ ...request })]);
    expect(digest(a.bytes)).toBe(digest(b.bytes));
    expect(a.providerRequestId).toBe(b.providerRequestId);
  });

  it('changes with every part of the request', async () => {
    const variants: GenerateParams[] = [
      request,
      { ...request, prompt: 'a lighthouse at dusk' },
      { ...request, style: 'natural' },
      { ...request, style: null },
      { ...request, quality: 'standard' },
      { ...request, aspectRatio: '4:3' },
    ];
    const images = await Promise.all(variants.map((v) => premium.generate(v)));
    expect(new Set(images.map((i) => digest(i.bytes))).size).toBe(variants.length);
  });

  it.each(ASPECT_RATIOS)('draws a decodable PNG at the stood-in size for %s', async (aspectRatio) => {
    for (const [provider, expected] of [
      [premium, openAIImageSize('dall-e-3', aspectRatio)],
      [standard, falImageSize(aspectRatio)],
    ] as const) {
      const image = await provider.generate({ ...request, aspectRatio });
      const metadata = await sharp(image.bytes).metadata();
      expect({ format: metadata.format, width: metadata.width, height: metadata.height }).toEqual({
        format: 'png',
        ...expected,
      });
      expect({ width: image.width, height: image.height, mimeType: image.mimeType }).toEqual({
        ...expected,
        mimeType: 'image/png',
      });
    }
  });

  it('draws visibly different pictures for different prompts', async () => {
    const [a, b] = await Promise.all(
      ['red dog', 'blue dog'].map((prompt) => standard.generate({ ...request, prompt })),
    );
    const pixels = async (bytes: Buffer) => sharp(bytes).resize(32, 32, { fit: 'fill' }).raw().toBuffer();
    const [pa, pb] = await Promise.all([pixels(a.bytes), pixels(b.bytes)]);
    let difference = 0;
    for (let i = 0; i < pa.length; i += 1) difference += Math.abs(pa[i]! - pb[i]!);
    expect(difference / pa.length).toBeGreaterThan(20);
  });
});
