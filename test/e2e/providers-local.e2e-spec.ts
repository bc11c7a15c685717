import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { APP_CONFIG, parseConfig } from '../../src/config/app-config';
import { ASPECT_RATIOS, type GenerateParams } from '../../src/providers/domain/image-provider';
import { falImageSize, openAIImageSize } from '../../src/providers/domain/image-sizes';
import { LocalImageProvider } from '../../src/providers/local.provider';
import { ProviderRouter } from '../../src/providers/provider-router';
import { ProvidersModule } from '../../src/providers/providers.module';

const request: GenerateParams = { prompt: 'a lighthouse at dawn', aspectRatio: '16:9', style: 'vivid', quality: 'hd' };
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('providers with no keys configured (local provider)', () => {
  let local: ProviderRouter;

  beforeAll(async () => {
    const config = parseConfig({});

    @Global()
    @Module({ providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] })
    class ConfigForTest {}

    const moduleRef = await Test.createTestingModule({ imports: [ConfigForTest, ProvidersModule] }).compile();
    local = moduleRef.get(ProviderRouter);
  });

  it('serves both tiers locally, at no cost', async () => {
    expect(local.route('premium')).toBeInstanceOf(LocalImageProvider);
    expect(local.route('standard')).toBeInstanceOf(LocalImageProvider);
    await expect(local.generate('premium', request)).resolves.toMatchObject({
      provider: 'local',
      model: 'local-premium',
      costMicros: 0,
    });
    expect((local.route('premium') as LocalImageProvider).notionalPrice(request)).toBe(120_000);
  });

  it('gives the same bytes for the same request', async () => {
    const [a, b] = await Promise.all([local.generate('premium', request), local.generate('premium', { ...request })]);
    expect(sha256(a.image.bytes)).toBe(sha256(b.image.bytes));
  });

  it('gives 100 different images for 100 different prompts', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => local.generate('standard', { ...request, prompt: `prompt number ${i}` })),
    );
    expect(new Set(results.map((r) => sha256(r.image.bytes))).size).toBe(100);
  });

  it.each(ASPECT_RATIOS)('draws %s at the real dimensions of each tier', async (aspectRatio) => {
    for (const [tier, size] of [
      ['premium', openAIImageSize('dall-e-3', aspectRatio)],
      ['standard', falImageSize(aspectRatio)],
    ] as const) {
      const { image } = await local.generate(tier, { ...request, aspectRatio });
      const metadata = await sharp(image.bytes).metadata();
      expect({ width: metadata.width, height: metadata.height }).toEqual(size);
    }
  });
});
