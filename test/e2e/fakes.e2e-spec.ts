import { createHash } from 'node:crypto';
import {
  createFalClient,
  fal,
  ApiError,
  ValidationError,
  type QueueStatus,
  type RequestMiddleware,
} from '@fal-ai/client';
import OpenAI, { APIConnectionError, AuthenticationError, BadRequestError, InternalServerError } from 'openai';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import type { UploadApiOptions } from 'cloudinary';
import { colourFor, parseMultipart } from '../fakes/fake-server';
import {
  FAKE_CREDENTIALS,
  startAllFakes,
  startFakeCloudinary,
  startFakeFal,
  startFakeOpenAI,
  type FakeCloudinary,
  type FakeFal,
  type FakeOpenAI,
} from '../fakes';

/** The top-left pixel and size of an encoded image, decoded independently of the fakes. */
async function inspect(bytes: Buffer): Promise<{ width: number; height: number; format: string; rgb: number[] }> {
  const { width, height, format } = await sharp(bytes).metadata();
  const pixel = await sharp(bytes).extract({ left: 0, top: 0, width: 1, height: 1 }).removeAlpha().raw().toBuffer();
  return { width: width!, height: height!, format: format!, rgb: [...pixel] };
}

async function download(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

describe('fake OpenAI against the openai SDK', () => {
  const apiKey = 'sk-test-fake-openai-0001';
  let fake: FakeOpenAI;
  const client = (options: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}): OpenAI =>
    new OpenAI({ apiKey, baseURL: `${fake.url}/v1`, maxRetries: 0, ...options });

  beforeAll(async () => (fake = await startFakeOpenAI({ apiKey })));
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  it('returns a real PNG of the requested DALL-E 3 size as b64_json, painted from the prompt', async () => {
    const prompt = 'a red fox in the snow';
    const reply = await client().images.generate({
      model: 'dall-e-3',
      prompt,
      size: '1792x1024',
      quality: 'hd',
      style: 'natural',
      response_format: 'b64_json',
    });
    const image = await inspect(Buffer.from(reply.data![0]!.b64_json!, 'base64'));
    const colour = colourFor(prompt);
    expect(image).toEqual({ width: 1792, height: 1024, format: 'png', rgb: [colour.r, colour.g, colour.b] });
    expect(reply.data![0]!.revised_prompt).toContain(prompt);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/images/generations',
      body: { model: 'dall-e-3', quality: 'hd' },
    });
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${apiKey}`);
  });

  it('serves url images from the same server and answers 403 once they expire', async () => {
    const reply = await client().images.generate({
      model: 'dall-e-3',
      prompt: 'a lighthouse',
      size: '1024x1792',
      response_format: 'url',
    });
    const url = reply.data![0]!.url!;
    expect(url.startsWith(`${fake.url}/images/`)).toBe(true);
    const served = await download(url);
    expect(served.type).toBe('image/png');
    expect(await inspect(served.bytes)).toMatchObject({ width: 1024, height: 1792 });

    const shortLived = await startFakeOpenAI({ apiKey, imageUrlTtlMs: 1 });
    try {
      const expiring = await new OpenAI({ apiKey, baseURL: `${shortLived.url}/v1` }).images.generate({
        model: 'dall-e-3',
        prompt: 'x',
      });
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect((await download(expiring.data![0]!.url!)).status).toBe(403);
    } finally {
      await shortLived.close();
    }
  });

  it('answers gpt-image-1 with b64 images and token usage, and refuses response_format for it', async () => {
    const reply = await client().images.generate({
      model: 'gpt-image-1',
      prompt: 'a kite',
      size: '1536x1024',
      quality: 'low',
    });
    expect(await inspect(Buffer.from(reply.data![0]!.b64_json!, 'base64'))).toMatchObject({
      width: 1536,
      height: 1024,
    });
    expect(reply.usage).toMatchObject({ output_tokens: 408, input_tokens_details: { image_tokens: 0 } });
    const refused = client().images.generate({ model: 'gpt-image-1', prompt: 'a kite', response_format: 'url' });
    await expect(refused).rejects.toMatchObject({ status: 400, param: 'response_format' });
  });

  it('rejects the combinations the real API rejects with BadRequestError naming the parameter', async () => {
    const badSize = client().images.generate({ model: 'dall-e-3', prompt: 'p', size: '512x512' });
    await expect(badSize).rejects.toBeInstanceOf(BadRequestError);
    await expect(badSize).rejects.toMatchObject({ param: 'size', type: 'invalid_request_error' });
    await expect(client().images.generate({ model: 'dall-e-3', prompt: 'p', n: 2 })).rejects.toMatchObject({
      status: 400,
      param: 'n',
    });
    await expect(client().images.generate({ model: 'dall-e-3', prompt: 'p', quality: 'high' })).rejects.toMatchObject({
      param: 'quality',
    });
    await expect(
      client().images.generate({ model: 'gpt-image-1', prompt: 'p', size: '1792x1024' }),
    ).rejects.toMatchObject({ param: 'size' });
  });

  it('refuses a wrong key with AuthenticationError in OpenAI error shape', async () => {
    const attempt = new OpenAI({
      apiKey: 'sk-wrong-key-123456',
      baseURL: `${fake.url}/v1`,
      maxRetries: 0,
    }).images.generate({ prompt: 'p' });
    await expect(attempt).rejects.toBeInstanceOf(AuthenticationError);
    await expect(attempt).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
      type: 'invalid_request_error',
    });
  });

  it('sends 429 with Retry-After, which the SDK waits out before its own retry', async () => {
    fake.failNext({ kind: 'status', status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const reply = await client({ maxRetries: 2 }).images.generate({
      model: 'dall-e-3',
      prompt: 'p',
      response_format: 'b64_json',
    });
    expect(reply.data).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1']);
  });

  it('fails with 503, stalls, sends broken JSON and drops connections when told to', async () => {
    fake.failNext({ kind: 'status', status: 503 }, 2);
    await expect(client().images.generate({ prompt: 'p' })).rejects.toBeInstanceOf(InternalServerError);
    await expect(client().images.generate({ prompt: 'p' })).rejects.toMatchObject({
      status: 503,
      type: 'server_error',
    });
    await expect(client().images.generate({ prompt: 'p' })).resolves.toHaveProperty('data');

    // Under Jest the SDK files the abort as APIConnectionError (the DOMException comes from another
    // realm); in plain Node it is APIConnectionTimeoutError, a subclass. Either way it gives up early.
    fake.failNext({ kind: 'slow', delayMs: 2_000 });
    const stalled = Date.now();
    await expect(client({ timeout: 200 }).images.generate({ prompt: 'p' })).rejects.toBeInstanceOf(APIConnectionError);
    expect(Date.now() - stalled).toBeLessThan(1_500);

    // A 200 with a broken body is not an APIError: the SDK lets JSON.parse's SyntaxError through.
    fake.failNext({ kind: 'malformed' });
    await expect(client().images.generate({ prompt: 'p' })).rejects.toThrow(/JSON/);

    fake.failNext({ kind: 'drop' });
    await expect(client().images.generate({ prompt: 'p' })).rejects.toBeInstanceOf(APIConnectionError);
  });

  it('adds the set latency to API calls until reset, and lists its image models', async () => {
    fake.setLatency(500);
    const started = Date.now();
    const models = await client().models.list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(490);
    expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(['dall-e-3', 'gpt-image-1']));
    fake.reset();
    const again = Date.now();
    await client().models.retrieve('dall-e-3');
    expect(Date.now() - again).toBeLessThan(490);
  });

  it('bills every image it made under the answer’s request id, and nothing for refused requests', async () => {
    const reply = await client()
      .images.generate({
        model: 'dall-e-3',
        prompt: 'p',
        size: '1024x1792',
        quality: 'hd',
        response_format: 'b64_json',
      })
      .withResponse();
    await client().images.generate({ model: 'gpt-image-1', prompt: 'p', size: 'auto', quality: 'auto' });
    await expect(client().images.generate({ model: 'dall-e-3', prompt: 'p', n: 2 })).rejects.toBeInstanceOf(
      BadRequestError,
    );
    fake.failNext({ kind: 'status', status: 503 });
    await expect(client().images.generate({ model: 'dall-e-3', prompt: 'p' })).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect(fake.bill).toEqual([
      {
        requestId: reply.request_id,
        model: 'dall-e-3',
        width: 1024,
        height: 1792,
        quality: 'hd',
        at: expect.any(Date),
      },
      {
        requestId: expect.stringMatching(/^req_/),
        model: 'gpt-image-1',
        width: 1024,
        height: 1024,
        quality: 'medium',
        at: expect.any(Date),
      },
    ]);
    fake.reset();
    expect(fake.bill).toEqual([]);
  });

  it('work-then-drop: makes and bills the image, then drops the connection', async () => {
    fake.failNext({ kind: 'work-then-drop' });
    await expect(client().images.generate({ model: 'dall-e-3', prompt: 'p' })).rejects.toBeInstanceOf(
      APIConnectionError,
    );
    expect(fake.bill).toHaveLength(1);
    await expect(client().images.generate({ model: 'dall-e-3', prompt: 'p' })).resolves.toHaveProperty('data');
    expect(fake.bill).toHaveLength(2);
  });

  it('work-then-late: bills at once and answers after the delay, also to a client that gave up', async () => {
    fake.failNext({ kind: 'work-then-late', delayMs: 800 });
    const started = Date.now();
    await expect(client({ timeout: 200 }).images.generate({ model: 'dall-e-3', prompt: 'p' })).rejects.toBeInstanceOf(
      APIConnectionError,
    );
    expect(Date.now() - started).toBeLessThan(700);
    expect(fake.bill).toHaveLength(1);

    fake.failNext({ kind: 'work-then-late', delayMs: 300 });
    const patient = Date.now();
    await expect(client().images.generate({ model: 'dall-e-3', prompt: 'p' })).resolves.toHaveProperty('data');
    expect(Date.now() - patient).toBeGreaterThanOrEqual(290);
    expect(fake.bill).toHaveLength(2);
  });

  it('a malformed answer is a 200 for work it did and bills; a drop before the work bills nothing', async () => {
    fake.failNext({ kind: 'malformed' });
    await expect(client().images.generate({ model: 'dall-e-3', prompt: 'p' })).rejects.toThrow(/JSON/);
    fake.failNext({ kind: 'drop' });
    await expect(client().images.generate({ model: 'dall-e-3', prompt: 'p' })).rejects.toBeInstanceOf(
      APIConnectionError,
    );
    expect(fake.bill).toHaveLength(1);
  });

  it('applies media-scoped faults to image downloads only', async () => {
    fake.failNext({ kind: 'status', status: 503, scope: 'media' });
    const reply = await client().images.generate({ model: 'dall-e-3', prompt: 'p' });
    expect((await download(reply.data![0]!.url!)).status).toBe(503);
    expect((await download(reply.data![0]!.url!)).status).toBe(200);
  });
});

describe('fake fal against @fal-ai/client', () => {
  const key = 'fal-test-id:fal-test-secret';
  let fake: FakeFal;
  const toFake: RequestMiddleware = async (request) => ({
    ...request,
    url: request.url.replace(/^https:\/\/(queue\.)?fal\.run/, fake.url),
  });
  /** Fails on a dropped connection or an error status with an error the client does not retry, as the service's provider does. */
  const noRetries = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init).catch(() => {
      throw new Error('connection dropped');
    });
    if (!response.ok) throw new Error(`fal answered ${response.status}`);
    return response;
  };

  beforeAll(async () => {
    fake = await startFakeFal({ key });
    fal.config({ credentials: key, requestMiddleware: toFake });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  it('queues, progresses and completes a subscribe with a downloadable JPEG of the preset size', async () => {
    fake.setQueueDelay(500);
    const seen: string[] = [];
    const result = await fal.subscribe('fal-ai/flux/schnell', {
      input: {
        prompt: 'a blue bicycle',
        image_size: 'landscape_16_9',
        num_inference_steps: 4,
        enable_safety_checker: true,
      },
      pollInterval: 100,
      onQueueUpdate: (update: QueueStatus) => void seen.push(update.status),
    });
    expect([...new Set(seen)]).toEqual(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED']);
    const image = result.data.images[0]!;
    expect(image).toMatchObject({ width: 1024, height: 576, content_type: 'image/jpeg' });
    expect(result.data.has_nsfw_concepts).toEqual([false]);
    const served = await download(image.url);
    expect(served.type).toBe('image/jpeg');
    expect(await inspect(served.bytes)).toMatchObject({ width: 1024, height: 576, format: 'jpeg' });
    const paths = fake.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths[0]).toBe('POST /fal-ai/flux/schnell');
    expect(paths).toContain(`GET /fal-ai/flux/requests/${result.requestId}/status`);
    expect(paths).toContain(`GET /fal-ai/flux/requests/${result.requestId}`);
    expect(fake.requests[0]!.headers.authorization).toBe(`Key ${key}`);
  });

  it('honours a custom size and PNG output', async () => {
    const result = await fal.subscribe('fal-ai/flux/schnell', {
      input: { prompt: 'p', image_size: { width: 1344, height: 768 }, output_format: 'png' },
    });
    expect(await inspect((await download(result.data.images[0]!.url)).bytes)).toMatchObject({
      width: 1344,
      height: 768,
      format: 'png',
    });
  });

  it("surfaces a failed job as an ApiError carrying fal's error body", async () => {
    fake.failNext({ kind: 'job-error' });
    let requestId = '';
    const attempt = fal.subscribe('fal-ai/flux/schnell', {
      input: { prompt: 'p' },
      onEnqueue: (id: string) => void (requestId = id),
    });
    await expect(attempt).rejects.toBeInstanceOf(ApiError);
    await expect(attempt).rejects.toMatchObject({ status: 500, body: { error_type: 'runner_server_error' } });
    await expect(fal.queue.status('fal-ai/flux/schnell', { requestId })).resolves.toMatchObject({
      status: 'COMPLETED',
      error_type: 'runner_server_error',
    });
  });

  it('fails bad input at run time with a 422 ValidationError, as fal does', async () => {
    const attempt = fal.subscribe('fal-ai/flux/schnell', { input: { prompt: 'p', num_images: 9 } });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt.catch((e: ValidationError) => e.getFieldErrors('num_images').length)).resolves.toBe(1);
  });

  it('refuses a wrong key with 401', async () => {
    const other = createFalClient({ credentials: 'wrong:key', requestMiddleware: toFake });
    await expect(other.subscribe('fal-ai/flux/schnell', { input: { prompt: 'p' } })).rejects.toMatchObject({
      status: 401,
    });
  });

  it("recovers through the client's own retries from a 503 and a dropped connection", async () => {
    fake.failNext({ kind: 'status', status: 503 });
    fake.failNext({ kind: 'drop' });
    const result = await fal.subscribe('fal-ai/flux/schnell', { input: { prompt: 'p' } });
    expect(result.data.images).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
  }, 20_000);

  it('bills a job when it completes, under its request id, whether or not its result is fetched', async () => {
    fake.setQueueDelay(300);
    const { request_id: requestId } = await fal.queue.submit('fal-ai/flux/schnell', {
      input: { prompt: 'p', image_size: { width: 1344, height: 768 } },
    });
    expect(fake.bill).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(fake.bill).toEqual([
      { requestId, model: 'fal-ai/flux/schnell', width: 1344, height: 768, at: expect.any(Date) },
    ]);
  });

  it('bills nothing for a job cancelled in the queue, a failed job, bad input or a refused submit', async () => {
    fake.setQueueDelay(2_000);
    const { request_id: requestId } = await fal.queue.submit('fal-ai/flux/schnell', { input: { prompt: 'p' } });
    await fal.queue.cancel('fal-ai/flux/schnell', { requestId });
    fake.setQueueDelay(0);
    fake.failNext({ kind: 'job-error' });
    await expect(fal.subscribe('fal-ai/flux/schnell', { input: { prompt: 'p' } })).rejects.toBeInstanceOf(ApiError);
    await expect(
      fal.subscribe('fal-ai/flux/schnell', { input: { prompt: 'p', num_images: 9 } }),
    ).rejects.toBeInstanceOf(ValidationError);
    const strict = createFalClient({ credentials: key, requestMiddleware: toFake, fetch: noRetries });
    fake.failNext({ kind: 'status', status: 429 });
    await expect(strict.subscribe('fal-ai/flux/schnell', { input: { prompt: 'p' } })).rejects.toThrow(/429/);
    expect(fake.bill).toEqual([]);
  });

  it('work-then-drop on the result fetch: the job ran and is billed, the result never arrives', async () => {
    const strict = createFalClient({ credentials: key, requestMiddleware: toFake, fetch: noRetries });
    fake.failNext({ kind: 'work-then-drop' });
    await expect(strict.subscribe('fal-ai/flux/schnell', { input: { prompt: 'p' } })).rejects.toThrow(/dropped/);
    expect(fake.bill).toHaveLength(1);
    const resultFetches = fake.requests.filter((r) => r.method === 'GET' && /\/requests\/[^/]+$/.test(r.path));
    expect(resultFetches).toHaveLength(1);
  });

  it('work-then-late on the result fetch: billed, and the result comes after the delay', async () => {
    fake.failNext({ kind: 'work-then-late', delayMs: 400 });
    const started = Date.now();
    const result = await fal.subscribe('fal-ai/flux/schnell', { input: { prompt: 'p' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(fake.bill.map((entry) => entry.requestId)).toEqual([result.requestId]);
  });
});

describe('fake Cloudinary against the cloudinary SDK', () => {
  const { cloudName, apiKey, apiSecret } = {
    cloudName: 'test-cloud',
    apiKey: '123456789012345',
    apiSecret: 'test-secret',
  };
  let fake: FakeCloudinary;
  let cloudinary: typeof import('cloudinary').v2;
  const previousUrl = process.env.CLOUDINARY_URL;

  const upload = (bytes: Buffer, options: UploadApiOptions = {}): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      cloudinary.uploader
        .upload_stream(options, (error, result) => (error ? reject(error) : resolve(result as never)))
        .end(bytes);
    });

  beforeAll(async () => {
    fake = await startFakeCloudinary({ cloudName, apiKey, apiSecret });
    // The SDK settles on http or https when first loaded, so it is loaded only now, in its own registry.
    process.env.CLOUDINARY_URL = `cloudinary://${apiKey}:${apiSecret}@${cloudName}?upload_prefix=${fake.url}`;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after CLOUDINARY_URL is set
      cloudinary = (require('cloudinary') as typeof import('cloudinary')).v2;
    });
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    process.env.CLOUDINARY_URL = previousUrl;
    await fake.close();
  });

  it('verifies the signature of upload_stream, replies like Cloudinary and serves the same bytes back', async () => {
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    const reply = await upload(png, { folder: 'genledger', public_id: 'gen_1', tags: ['a', 'b'] });
    expect(reply).toMatchObject({
      public_id: 'genledger/gen_1',
      width: 300,
      height: 200,
      format: 'png',
      resource_type: 'image',
      type: 'upload',
      bytes: png.length,
      etag: createHash('md5').update(png).digest('hex'),
      original_filename: 'file',
      overwritten: false,
      tags: ['a', 'b'],
    });
    expect(reply.signature).toBe(
      cloudinary.utils.api_sign_request({ public_id: reply.public_id, version: reply.version }, apiSecret),
    );
    expect(reply.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(reply.secure_url).toBe(
      `${fake.url}/${cloudName}/image/upload/v${String(reply.version)}/genledger/gen_1.png`,
    );
    const served = await download(reply.secure_url as string);
    expect(served.type).toBe('image/png');
    expect(served.bytes.equals(png)).toBe(true);
    expect((await download(`${fake.url}/${cloudName}/image/upload/genledger/gen_1.jpg`)).type).toBe('image/jpeg');
    expect(fake.requests[0]!.body).toMatchObject({ api_key: apiKey, folder: 'genledger', file: { bytes: png.length } });
  });

  it("refuses a wrong secret or key with 401 in Cloudinary's error shape", async () => {
    await expect(upload(Buffer.from('x'), { api_secret: 'not-the-secret' })).rejects.toMatchObject({
      http_code: 401,
      message: expect.stringMatching(/^Invalid Signature/),
    });
    await expect(upload(Buffer.from('x'), { api_key: '999' })).rejects.toMatchObject({
      http_code: 401,
      message: 'Unknown API key 999',
    });
  });

  it('keeps an existing asset when overwrite is false and replaces it otherwise', async () => {
    const first = await sharp({ create: { width: 10, height: 10, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    const second = await sharp({ create: { width: 20, height: 20, channels: 3, background: 'blue' } })
      .png()
      .toBuffer();
    const created = await upload(first, { public_id: 'same' });
    await expect(upload(second, { public_id: 'same', overwrite: false })).resolves.toMatchObject({
      existing: true,
      width: 10,
      version: created.version,
    });
    const replaced = await upload(second, { public_id: 'same' });
    expect(replaced).toMatchObject({ overwritten: true, width: 20 });
    expect(replaced.version as number).toBeGreaterThan(created.version as number);
  });

  it('takes a PDF as an image resource with its pages, and other files as raw', async () => {
    const pdf = await PDFDocument.create();
    pdf.addPage([612, 792]);
    pdf.addPage([612, 792]);
    const bytes = Buffer.from(await pdf.save());
    const reply = await upload(bytes, { public_id: 'print', resource_type: 'image' });
    expect(reply).toMatchObject({ format: 'pdf', pages: 2, width: 612, height: 792, resource_type: 'image' });
    expect((await download(reply.secure_url as string)).type).toBe('application/pdf');
    await expect(upload(Buffer.from('not an image'), {})).rejects.toMatchObject({
      http_code: 400,
      message: 'Invalid image file',
    });
    const raw = await upload(Buffer.from('plain text'), { resource_type: 'raw', public_id: 'notes.txt' });
    expect(raw).toMatchObject({ resource_type: 'raw', public_id: 'notes.txt' });
    expect(raw).not.toHaveProperty('width');
    expect((await download(raw.secure_url as string)).bytes.toString()).toBe('plain text');
  });

  it('fails with 500, 503 and broken JSON as told, in the forms the SDK reports', async () => {
    fake.failNext({ kind: 'status', status: 500 });
    await expect(upload(Buffer.from('x'))).rejects.toMatchObject({ http_code: 500, message: 'General Error' });
    fake.failNext({ kind: 'status', status: 503 });
    await expect(upload(Buffer.from('x'))).rejects.toMatchObject({ http_code: 503, name: 'UnexpectedResponse' });
    fake.failNext({ kind: 'malformed' });
    await expect(upload(Buffer.from('x'))).rejects.toMatchObject({ message: expect.stringMatching(/invalid JSON/) });
  });

  it('parses multipart bodies from other clients too (fetch FormData, binary with CRLFs)', async () => {
    const binary = Buffer.from([0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff, 0x0d, 0x0a]);
    const form = new FormData();
    form.append('note', 'multi\r\nline');
    form.append('file', new Blob([binary]), 'blob.bin');
    const request = new Request('http://x', { method: 'POST', body: form });
    const parsed = parseMultipart(request.headers.get('content-type')!, Buffer.from(await request.arrayBuffer()));
    expect(parsed.fields).toEqual({ note: 'multi\r\nline' });
    expect(parsed.files[0]).toMatchObject({ field: 'file', filename: 'blob.bin' });
    expect(parsed.files[0]!.data.equals(binary)).toBe(true);
  });
});

describe('startAllFakes', () => {
  it('returns the environment that points the SDKs at all three fakes', async () => {
    const fakes = await startAllFakes();
    try {
      expect(fakes.env.OPENAI_BASE_URL).toBe(`${fakes.openai.url}/v1`);
      expect(fakes.env.FAL_BASE_URL).toBe(fakes.fal.url);
      expect(new URL(fakes.env.CLOUDINARY_URL).searchParams.get('upload_prefix')).toBe(fakes.cloudinary.url);
      const openai = new OpenAI({ apiKey: fakes.env.OPENAI_API_KEY, baseURL: fakes.env.OPENAI_BASE_URL });
      await expect(openai.images.generate({ model: 'dall-e-3', prompt: 'p' })).resolves.toHaveProperty('data');
      expect(fakes.env.FAL_KEY).toBe(FAKE_CREDENTIALS.falKey);
    } finally {
      await fakes.close();
    }
  });
});
