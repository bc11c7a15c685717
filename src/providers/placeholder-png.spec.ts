import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { paintingsUnderway, placeholderPng } from './placeholder-png';

describe('placeholderPng', () => {
  it('paints no more images at once than the process has cores, and every one of a burst still comes out', async () => {
    const { limit } = paintingsUnderway();
    const burst = limit * 4;
    const seen: number[] = [];
    const sampler = setInterval(() => seen.push(paintingsUnderway().painting), 1);
    const images = await Promise.all(
      Array.from({ length: burst }, (_, index) =>
        placeholderPng(createHash('sha256').update(String(index)).digest(), 640, 480, 'burst'),
      ),
    ).finally(() => clearInterval(sampler));

    expect(Math.max(...seen)).toBeLessThanOrEqual(limit);
    expect(paintingsUnderway()).toEqual({ painting: 0, waiting: 0, limit });
    expect(new Set(images.map((image) => image.toString('base64'))).size).toBe(burst);
    const metadata = await sharp(images[burst - 1]).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 640, 480]);
  });

  it('queues the paintings past the bound while the first ones run', async () => {
    const { limit } = paintingsUnderway();
    const painted = Array.from({ length: limit + 2 }, (_, index) =>
      placeholderPng(createHash('sha256').update(`q${index}`).digest(), 320, 240, 'queue'),
    );
    expect(paintingsUnderway()).toMatchObject({ painting: limit, waiting: 2 });
    await Promise.all(painted);
    expect(paintingsUnderway()).toMatchObject({ painting: 0, waiting: 0 });
  });
});
