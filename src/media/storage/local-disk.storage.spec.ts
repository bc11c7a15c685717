import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DomainError } from '../../common/domain-error';
import { LocalDiskStorage } from './local-disk.storage';
import { checkMediaKey } from './media-storage';

describe('LocalDiskStorage', () => {
  let dataDir: string;
  let storage: LocalDiskStorage;
  let png: Buffer;

  beforeAll(async () => {
    png = await sharp({ create: { width: 64, height: 32, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
  });

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'genledger-media-'));
    storage = new LocalDiskStorage(dataDir, 'http://127.0.0.1:3000');
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('round-trips bytes with the content type of the extension', async () => {
    const stored = await storage.put('generations/gen_abc.png', png, 'image/png');
    expect(stored).toEqual({
      url: 'http://127.0.0.1:3000/media/generations/gen_abc.png',
      publicId: 'generations/gen_abc.png',
      width: 64,
      height: 32,
      bytes: png.length,
      mimeType: 'image/png',
    });
    expect(readFileSync(join(dataDir, 'media', 'generations', 'gen_abc.png')).equals(png)).toBe(true);
    const read = await storage.get('generations/gen_abc.png');
    expect(read?.mimeType).toBe('image/png');
    expect(read?.bytes.equals(png)).toBe(true);
    await expect(storage.exists('generations/gen_abc.png')).resolves.toBe(true);
  });

  it.each([
    ['prints/gen_abc/72x36.jpg', 'image/jpeg'],
    ['prints/gen_abc/72x36.pdf', 'application/pdf'],
    ['a/b.webp', 'image/webp'],
  ])('derives %s -> %s', async (key, mimeType) => {
    await storage.put(key, Buffer.from('bytes'), mimeType);
    await expect(storage.get(key)).resolves.toMatchObject({ mimeType });
  });

  it('overwrites the same key and leaves no temporary files', async () => {
    await storage.put('generations/gen_x.pdf', Buffer.from('one'), 'application/pdf');
    await storage.put('generations/gen_x.pdf', Buffer.from('two'), 'application/pdf');
    expect((await storage.get('generations/gen_x.pdf'))?.bytes.toString()).toBe('two');
    expect(readdirSync(join(dataDir, 'media', 'generations'))).toEqual(['gen_x.pdf']);
  });

  it('answers null / false for a missing key', async () => {
    await expect(storage.get('generations/none.png')).resolves.toBeNull();
    await expect(storage.exists('generations/none.png')).resolves.toBe(false);
    await storage.put('generations/file.png', png, 'image/png');
    await expect(storage.exists('generations/file.png/inner.png')).resolves.toBe(false);
  });

  it('refuses a content type that contradicts the extension', async () => {
    await expect(storage.put('generations/gen_abc.png', png, 'image/jpeg')).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  describe('rejects keys outside the media directory or the key alphabet', () => {
    const bad = [
      '../x.png',
      '/etc/passwd',
      'a/../../b.png',
      'a/./b.png',
      '..',
      '%2e%2e/x.png',
      '%2E%2E%2Fx.png',
      '..%2fx.png',
      '%252e%252e/x.png',
      'a\\..\\b.png',
      'C:\\x.png',
      'a\0.png',
      'a//b.png',
      'a/b.png/',
      '.hidden.png',
      'a/.tmp.png',
      'a b.png',
      'ünicode.png',
      'no-extension',
      'script.html',
      '',
      `${'a/'.repeat(300)}x.png`,
    ];

    it.each(bad)('%j', async (key) => {
      expect(() => checkMediaKey(key)).toThrow(DomainError);
      await expect(storage.put(key, png, 'image/png')).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(storage.get(key)).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(storage.exists(key)).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it('writes nothing outside the media directory', async () => {
      await Promise.allSettled(bad.map((key) => storage.put(key, png, 'image/png')));
      expect(readdirSync(dataDir)).toEqual([]);
    });
  });
});
