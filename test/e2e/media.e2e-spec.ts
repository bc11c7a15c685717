import { CqrsModule } from '@nestjs/cqrs';
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { APP_CONFIG, parseConfig } from '../../src/config/app-config';
import { MediaModule } from '../../src/media/media.module';
import { CloudinaryStorage } from '../../src/media/storage/cloudinary.storage';
import { MediaStorage } from '../../src/media/storage/media-storage';
import { FAKE_CREDENTIALS, startFakeCloudinary, type FakeCloudinary } from '../fakes';

const { cloudName, apiKey, apiSecret } = FAKE_CREDENTIALS.cloudinary;

/** Cloudinary's upload signature: sorted `k=v` params joined by `&`, then the secret, SHA-1. */
function expectedSignature(fields: Record<string, unknown>): string {
  const signed = Object.entries(fields)
    .filter(
      ([key, value]) => !['file', 'api_key', 'signature', 'resource_type', 'cloud_name'].includes(key) && value !== '',
    )
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('&');
  return createHash('sha1')
    .update(signed + apiSecret)
    .digest('hex');
}

describe('media storage on the fake Cloudinary', () => {
  let fake: FakeCloudinary;
  let storage: MediaStorage;
  let png: Buffer;
  const originalEnv = process.env.CLOUDINARY_URL;

  beforeAll(async () => {
    fake = await startFakeCloudinary({ cloudName, apiKey, apiSecret });
    const config = parseConfig({
      CLOUDINARY_URL: `cloudinary://${apiKey}:${apiSecret}@${cloudName}?upload_prefix=${fake.url}`,
    });

    @Global()
    @Module({ providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] })
    class ConfigForTest {}

    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot(), ConfigForTest, MediaModule],
    }).compile();
    storage = moduleRef.get(MediaStorage);
    png = await sharp({ create: { width: 48, height: 24, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
  });

  afterEach(() => fake.reset());

  afterAll(async () => {
    await fake.close();
    if (originalEnv === undefined) delete process.env.CLOUDINARY_URL;
    else process.env.CLOUDINARY_URL = originalEnv;
  });

  it('is chosen when CLOUDINARY_URL is set', () => {
    expect(storage).toBeInstanceOf(CloudinaryStorage);
  });

  it('uploads a signed image with a deterministic public id and returns its secure_url', async () => {
    const stored = await storage.put('generations/gen_abc.png', png, 'image/png');
    expect(stored).toMatchObject({
      publicId: 'generations/gen_abc',
      width: 48,
      height: 24,
      bytes: png.length,
      mimeType: 'image/png',
    });
    expect(stored.url).toMatch(new RegExp(`^${fake.url}/${cloudName}/image/upload/v\\d+/generations/gen_abc\\.png$`));

    expect(fake.requests).toHaveLength(1);
    const [upload] = fake.requests;
    expect(upload).toMatchObject({ method: 'POST', path: `/v1_1/${cloudName}/image/upload` });
    const fields = upload!.body as Record<string, unknown>;
    expect(fields).toMatchObject({
      public_id: 'generations/gen_abc',
      overwrite: '1',
      invalidate: '1',
      api_key: apiKey,
    });
    expect(fields.file).toMatchObject({ bytes: png.length });
    expect(fields.signature).toBe(expectedSignature(fields));

    const served = await fetch(stored.url);
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
  });

  it('overwrites on a second upload of the same key instead of adding an asset', async () => {
    const first = await storage.put('generations/gen_same.png', png, 'image/png');
    const replacement = await sharp({ create: { width: 48, height: 24, channels: 3, background: '#fedcba' } })
      .png()
      .toBuffer();
    const second = await storage.put('generations/gen_same.png', replacement, 'image/png');
    expect(second.publicId).toBe(first.publicId);
    expect(fake.asset('generations/gen_same')?.bytes.equals(replacement)).toBe(true);
    expect((await storage.get('generations/gen_same.png'))?.bytes.equals(replacement)).toBe(true);
  });

  it('stores PDFs as raw files named by the whole key', async () => {
    const pdf = Buffer.from('%PDF-1.7\n%fake\n');
    const stored = await storage.put('prints/gen_abc/72x36.pdf', pdf, 'application/pdf');
    expect(stored).toMatchObject({
      publicId: 'prints/gen_abc/72x36.pdf',
      mimeType: 'application/pdf',
      bytes: pdf.length,
    });
    expect(stored.url).toMatch(/\/raw\/upload\/v\d+\/prints\/gen_abc\/72x36\.pdf$/);
    expect(fake.requests[0]!.path).toBe(`/v1_1/${cloudName}/raw/upload`);
    await expect(storage.get('prints/gen_abc/72x36.pdf')).resolves.toEqual({ bytes: pdf, mimeType: 'application/pdf' });
  });

  it('reads back images and tells present keys from missing ones', async () => {
    const jpeg = await sharp(png).jpeg().toBuffer();
    await storage.put('prints/gen_abc/72x36.jpg', jpeg, 'image/jpeg');
    await expect(storage.exists('prints/gen_abc/72x36.jpg')).resolves.toBe(true);
    await expect(storage.get('prints/gen_abc/72x36.jpg')).resolves.toEqual({ bytes: jpeg, mimeType: 'image/jpeg' });
    await expect(storage.exists('prints/gen_abc/missing.jpg')).resolves.toBe(false);
    await expect(storage.get('prints/gen_abc/missing.jpg')).resolves.toBeNull();
  });

  it('rejects the same unsafe keys as local disk', async () => {
    await expect(storage.put('../x.png', png, 'image/png')).rejects.toMatchObject({ code: 'validation_failed' });
    expect(fake.requests).toHaveLength(0);
  });

  it('reports a failed upload without the API secret', async () => {
    fake.failNext({ kind: 'status', status: 500 });
    const error = await storage.put('generations/gen_fail.png', png, 'image/png').then(
      () => new Error('the upload should have failed'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toContain('Cloudinary upload of generations/gen_fail.png failed (500)');
    expect(error.message).not.toContain(apiSecret);
  });
});
