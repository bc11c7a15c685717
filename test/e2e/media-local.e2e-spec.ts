import { CqrsModule } from '@nestjs/cqrs';
import { Global, Module } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ProblemFilter } from '../../src/common/http/problem.filter';
import { APP_CONFIG, parseConfig } from '../../src/config/app-config';
import { MediaModule } from '../../src/media/media.module';
import { LocalDiskStorage } from '../../src/media/storage/local-disk.storage';
import { MediaStorage } from '../../src/media/storage/media-storage';

/** Sends the path exactly as written: fetch would resolve `..` segments before they reach the server. */
function rawGet(
  port: number,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /media/* (local disk)', () => {
  let app: NestFastifyApplication;
  let port: number;
  let dataDir: string;
  let storage: MediaStorage;
  let png: Buffer;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'genledger-media-e2e-'));
    const config = parseConfig({ DATA_DIR: dataDir, PUBLIC_BASE_URL: 'http://media.test' });

    @Global()
    @Module({ providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] })
    class ConfigForTest {}

    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot(), ConfigForTest, MediaModule],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.useGlobalFilters(new ProblemFilter());
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as { port: number }).port;
    storage = app.get(MediaStorage);
    png = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#aa3300' } })
      .png()
      .toBuffer();
    // Beside the media directory: where a traversal out of it would land.
    writeFileSync(join(dataDir, 'secret.png'), 'not-for-the-web');
  });

  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses local disk when CLOUDINARY_URL is not set', () => {
    expect(storage).toBeInstanceOf(LocalDiskStorage);
  });

  it('serves a stored file with its type and immutable caching', async () => {
    const stored = await storage.put('generations/gen_abc.png', png, 'image/png');
    expect(stored.url).toBe('http://media.test/media/generations/gen_abc.png');
    const response = await rawGet(port, '/media/generations/gen_abc.png');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['content-length']).toBe(String(png.length));
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body.equals(png)).toBe(true);
  });

  it('serves PDFs and JPEGs with their types', async () => {
    await storage.put('prints/gen_abc/72x36.pdf', Buffer.from('%PDF-1.7\n'), 'application/pdf');
    await storage.put('prints/gen_abc/72x36.jpg', Buffer.from('jpeg'), 'image/jpeg');
    expect((await rawGet(port, '/media/prints/gen_abc/72x36.pdf')).headers['content-type']).toBe('application/pdf');
    expect((await rawGet(port, '/media/prints/gen_abc/72x36.jpg')).headers['content-type']).toBe('image/jpeg');
  });

  it('answers a missing file with a not_found problem', async () => {
    const response = await rawGet(port, '/media/generations/missing.png');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(response.body.toString())).toMatchObject({ status: 404, code: 'not_found' });
    expect(response.headers['cache-control']).toBeUndefined();
  });

  it.each([
    '/media/../secret.png',
    '/media/generations/../../secret.png',
    '/media/%2e%2e/secret.png',
    '/media/%2E%2E%2Fsecret.png',
    '/media/generations/..%2f..%2fsecret.png',
    '/media/%252e%252e/secret.png',
    '/media/..%5csecret.png',
    '/media//etc/passwd',
    '/media/%2fetc%2fpasswd',
    '/media/generations/gen_abc.png%00.txt',
    '/media/.hidden.png',
    '/media/',
  ])('refuses %s', async (path) => {
    const response = await rawGet(port, path);
    expect([400, 404]).toContain(response.status);
    expect(response.body.toString()).not.toContain('not-for-the-web');
    expect(response.body.toString()).not.toContain('root:');
  });
});
