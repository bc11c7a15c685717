import sharp from 'sharp';
import { inspectImage, pngHeader } from './image-bytes';
import { ProviderCallError } from './provider-error';

describe('inspectImage', () => {
  const solid = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: { r: 10, g: 20, b: 30 } } });

  it('reads a PNG from its header, as libvips reads it', async () => {
    const png = await solid(37, 21).png().toBuffer();
    expect(pngHeader(png)).toEqual({ mimeType: 'image/png', width: 37, height: 21 });
    const metadata = await sharp(png).metadata();
    await expect(inspectImage(png, 'openai')).resolves.toEqual({
      mimeType: 'image/png',
      width: metadata.width,
      height: metadata.height,
    });
  });

  it('hands other formats to sharp', async () => {
    const jpeg = await solid(40, 30).jpeg().toBuffer();
    expect(pngHeader(jpeg)).toBeUndefined();
    await expect(inspectImage(jpeg, 'fal')).resolves.toEqual({ mimeType: 'image/jpeg', width: 40, height: 30 });
  });

  it('refuses bytes that only start like a PNG, as a billed call', async () => {
    const png = await solid(8, 8).png().toBuffer();
    const noHeader = Buffer.concat([png.subarray(0, 8), Buffer.from('garbage that is not a chunk at all')]);
    expect(pngHeader(noHeader)).toBeUndefined();
    const error = await inspectImage(noHeader, 'openai').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect(error).toMatchObject({ kind: 'transient', outcome: 'billed' });
    const zeroWide = Buffer.from(png);
    zeroWide.writeUInt32BE(0, 16);
    expect(pngHeader(zeroWide)).toBeUndefined();
  });
});
