import { Logger, type LoggerService } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { DomainError } from '../../src/common/domain-error';
import { parseConfig } from '../../src/config/app-config';
import type { GenerateParams } from '../../src/providers/domain/image-provider';
import { ProviderRouter } from '../../src/providers/provider-router';
import type { ResilienceOptions } from '../../src/providers/resilience';
import { providersFromConfig } from '../../src/providers/tier-providers';
import { startAllFakes, type AllFakes, type FakeProviderEnv } from '../fakes';

const fast: Partial<ResilienceOptions> = {
  attemptTimeoutMs: 3_000,
  retries: 2,
  baseDelayMs: 10,
  maxDelayMs: 50,
  maxRetryAfterMs: 5_000,
  breakerThreshold: 5,
  halfOpenAfterMs: 60_000,
};

const request: GenerateParams = { prompt: 'a lighthouse at dawn', aspectRatio: '16:9', style: 'vivid', quality: 'hd' };

/** Everything Nest loggers and the SDKs (console) say during the suite. */
const logs: string[] = [];
const captureLogger: LoggerService = {
  log: (...args: unknown[]) => void logs.push(args.map(String).join(' ')),
  warn: (...args: unknown[]) => void logs.push(args.map(String).join(' ')),
  error: (...args: unknown[]) => void logs.push(args.map(String).join(' ')),
  debug: (...args: unknown[]) => void logs.push(args.map(String).join(' ')),
  verbose: (...args: unknown[]) => void logs.push(args.map(String).join(' ')),
};

async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('providers against the fake OpenAI and fal servers', () => {
  let fakes: AllFakes;
  let env: Omit<FakeProviderEnv, 'CLOUDINARY_URL'>;

  /** A router built only from the documented environment variables. */
  const routerFor = (vars: Record<string, string>, options: Partial<ResilienceOptions> = fast) =>
    new ProviderRouter(providersFromConfig(parseConfig(vars), options.attemptTimeoutMs), options);
  const apiRequests = (fake: { requests: ReadonlyArray<{ path: string }> }, path: string) =>
    fake.requests.filter((r) => r.path === path);

  beforeAll(async () => {
    Logger.overrideLogger(captureLogger);
    for (const level of ['log', 'warn', 'error', 'info', 'debug'] as const) {
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(' ')));
    }
    fakes = await startAllFakes();
    const { CLOUDINARY_URL: _unused, ...providerEnv } = fakes.env;
    env = providerEnv;
  });

  afterEach(() => fakes.reset());

  afterAll(async () => {
    await fakes.close();
    jest.restoreAllMocks();
    Logger.overrideLogger(new Logger());
  });

  describe('OpenAI (premium)', () => {
    it('generates through the SDK with the documented request', async () => {
      const result = await routerFor(env).generate('premium', request);
      expect(result).toMatchObject({
        provider: 'openai',
        model: 'dall-e-3',
        tier: 'premium',
        requestedTier: 'premium',
        costMicros: 120_000,
        fellBack: false,
      });
      const metadata = await sharp(result.image.bytes).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 1792, 1024]);
      expect(result.image).toMatchObject({ width: 1792, height: 1024, mimeType: 'image/png' });
      expect(result.image.providerRequestId).toMatch(/^req_/);

      const [sent] = fakes.openai.requests;
      expect(fakes.openai.requests).toHaveLength(1);
      expect(sent).toMatchObject({ method: 'POST', path: '/v1/images/generations' });
      expect(sent!.headers.authorization).toBe(`Bearer ${env.OPENAI_API_KEY}`);
      expect(sent!.body).toEqual({
        model: 'dall-e-3',
        prompt: 'a lighthouse at dawn',
        n: 1,
        size: '1792x1024',
        quality: 'hd',
        response_format: 'b64_json',
        style: 'vivid',
      });
    });

    it('puts a style DALL-E does not know into the prompt', async () => {
      await routerFor(env).generate('premium', {
        ...request,
        style: 'watercolor',
        quality: 'standard',
        aspectRatio: '1:3',
      });
      expect(fakes.openai.requests[0]!.body).toEqual({
        model: 'dall-e-3',
        prompt: 'a lighthouse at dawn, style: watercolor',
        n: 1,
        size: '1024x1792',
        quality: 'standard',
        response_format: 'b64_json',
      });
    });

    it('asks gpt-image-1 for its own quality levels and sizes', async () => {
      const result = await routerFor({ ...env, OPENAI_IMAGE_MODEL: 'gpt-image-1' }).generate('premium', request);
      expect(fakes.openai.requests[0]!.body).toEqual({
        model: 'gpt-image-1',
        prompt: 'a lighthouse at dawn, style: vivid',
        n: 1,
        size: '1536x1024',
        quality: 'high',
        output_format: 'png',
      });
      expect(result).toMatchObject({ model: 'gpt-image-1', costMicros: 250_000, image: { width: 1536, height: 1024 } });
    });
  });

  describe('OpenAI answering with a URL', () => {
    let server: Server;
    let baseUrl: string;
    let png: Buffer;

    beforeAll(async () => {
      png = await sharp({ create: { width: 1792, height: 1024, channels: 3, background: '#204060' } })
        .png()
        .toBuffer();
      // The fakes honour response_format; this stand-in ignores it, as a proxy or an older API might.
      server = createServer((req, res) => {
        if (req.url === '/v1/images/generations') {
          res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_url' });
          res.end(JSON.stringify({ created: 1, data: [{ url: `${baseUrl}/img/1.png?sig=secret-signature` }] }));
        } else {
          res.writeHead(200, { 'content-type': 'image/png' });
          res.end(png);
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('downloads the image at once, since the URL expires', async () => {
      const result = await routerFor({ OPENAI_API_KEY: 'sk-url-test', OPENAI_BASE_URL: `${baseUrl}/v1` }).generate(
        'premium',
        request,
      );
      expect(result.image.bytes.equals(png)).toBe(true);
      expect(result.image).toMatchObject({ width: 1792, height: 1024, providerRequestId: 'req_url' });
    });
  });

  describe('fal (standard)', () => {
    it('generates through the queue with an explicit image size and downloads the image', async () => {
      const result = await routerFor(env).generate('standard', { ...request, aspectRatio: '3:1' });
      expect(result).toMatchObject({
        provider: 'fal',
        model: 'fal-ai/flux/schnell',
        tier: 'standard',
        costMicros: 3_000,
      });
      expect(result.image).toMatchObject({ width: 1728, height: 576, mimeType: 'image/png' });
      const metadata = await sharp(result.image.bytes).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 1728, 576]);

      const [submit] = fakes.fal.requests;
      expect(submit).toMatchObject({ method: 'POST', path: '/fal-ai/flux/schnell' });
      expect(submit!.headers.authorization).toBe(`Key ${env.FAL_KEY}`);
      expect(submit!.body).toEqual({
        prompt: 'a lighthouse at dawn, style: vivid',
        image_size: { width: 1728, height: 576 },
        num_images: 1,
        output_format: 'png',
      });
      expect(result.image.providerRequestId).toBe(fakes.fal.requests[1]!.path.split('/')[4]);
      expect(fakes.fal.requests.some((r) => r.path.startsWith('/files/'))).toBe(true);
    });

    it('retries a job that failed on fal’s side', async () => {
      fakes.fal.failNext({ kind: 'job-error' });
      const result = await routerFor(env).generate('standard', request);
      expect(result.provider).toBe('fal');
      expect(apiRequests(fakes.fal, '/fal-ai/flux/schnell')).toHaveLength(2);
    });
  });

  describe('resilience', () => {
    it('waits out two 429s with Retry-After: 1 and returns one image', async () => {
      fakes.openai.failNext({ kind: 'status', status: 429, retryAfterSeconds: 1 }, 2);
      const started = Date.now();
      const result = await routerFor(env).generate('premium', request);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
      expect(result).toMatchObject({ provider: 'openai', fellBack: false });
      expect(apiRequests(fakes.openai, '/v1/images/generations')).toHaveLength(3);
    });

    it('retries a malformed reply and a dropped connection', async () => {
      fakes.openai.failNext({ kind: 'malformed' });
      fakes.openai.failNext({ kind: 'drop' });
      await expect(routerFor(env).generate('premium', request)).resolves.toMatchObject({ provider: 'openai' });
      expect(apiRequests(fakes.openai, '/v1/images/generations')).toHaveLength(3);
    });

    it('opens the circuit when a provider is down, fails fast, and recovers after the break', async () => {
      const router = routerFor(env, { ...fast, retries: 0, breakerThreshold: 3, halfOpenAfterMs: 700 });
      fakes.fal.failNext({ kind: 'status', status: 503 }, 1_000);
      for (let i = 0; i < 3; i += 1) {
        expect((await failure(router.generate('standard', request))).code).toBe('provider_failed');
      }
      const reached = fakes.fal.requests.length;
      const fastFailure = await failure(router.generate('standard', request));
      expect(fastFailure.code).toBe('provider_unavailable');
      expect(fastFailure.details).toMatchObject({ provider: 'fal', reason: 'circuit_open' });
      expect(fakes.fal.requests).toHaveLength(reached);

      fakes.fal.reset();
      await new Promise((resolve) => setTimeout(resolve, 750));
      await expect(router.generate('standard', request)).resolves.toMatchObject({ provider: 'fal' });
      await expect(router.generate('standard', request)).resolves.toMatchObject({ provider: 'fal' });
    });

    it('serves premium from standard when OpenAI fails, at fal’s price', async () => {
      fakes.openai.failNext({ kind: 'status', status: 500 }, 3);
      const result = await routerFor(env).generate('premium', request);
      expect(result).toMatchObject({
        provider: 'fal',
        model: 'fal-ai/flux/schnell',
        requestedTier: 'premium',
        tier: 'standard',
        costMicros: 3_000,
        fellBack: true,
        fallbackReason: 'transient',
      });
      expect(result.image).toMatchObject({ width: 1344, height: 768 });
      expect(apiRequests(fakes.openai, '/v1/images/generations')).toHaveLength(3);
    });

    it('falls back when OpenAI is too slow', async () => {
      fakes.openai.failNext({ kind: 'slow', delayMs: 2_000 }, 3);
      const router = routerFor(env, { ...fast, attemptTimeoutMs: 300, retries: 1 });
      await expect(router.generate('premium', request)).resolves.toMatchObject({
        provider: 'fal',
        fallbackReason: 'timeout',
      });
    });
  });

  describe('secrets', () => {
    const wrongOpenAI = 'sk-proj-WRONGkey0123456789abcdefXYZ';
    const wrongFal = 'wrong-key-id-0123:wrong-key-secret-456789';

    it('keeps keys out of errors and logs', async () => {
      logs.length = 0;
      const router = routerFor({ ...env, OPENAI_API_KEY: wrongOpenAI, FAL_KEY: wrongFal });
      const error = await failure(router.generate('premium', request));
      expect(error.code).toBe('provider_failed');
      expect(error.details).toMatchObject({ provider: 'fal', reason: 'misconfigured', providerStatus: 401 });

      fakes.openai.failNext({ kind: 'status', status: 429, retryAfterSeconds: 0 }, 1);
      await routerFor(env).generate('premium', request);

      const exposed = [error.message, JSON.stringify(error.details), String(error.stack), ...logs].join('\n');
      expect(logs.length).toBeGreaterThan(0);
      for (const secret of [
        wrongOpenAI,
        wrongOpenAI.slice(-4),
        wrongFal,
        ...wrongFal.split(':'),
        env.OPENAI_API_KEY,
        env.FAL_KEY,
        ...env.FAL_KEY.split(':'),
      ]) {
        expect(exposed).not.toContain(secret);
      }
      expect(exposed).not.toMatch(/(Bearer|Key) (?!\[redacted\])\S/);
    });

    it('says which provider failed and why without echoing the key', async () => {
      const router = routerFor({ ...env, OPENAI_API_KEY: wrongOpenAI }, { ...fast, retries: 0 });
      fakes.fal.failNext({ kind: 'status', status: 503 }, 3);
      const error = await failure(router.generate('premium', request));
      expect(error.message).toMatch(/^fal failed: fal answered 503/);
      expect(logs.join('\n')).toMatch(
        /premium \(openai\) failed: openai failed: 401 Incorrect API key provided: \[redacted\]/,
      );
    });
  });
});
