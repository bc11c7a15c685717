import { Logger } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { downloadImage, MAX_IMAGE_BYTES } from '../../src/providers/image-bytes';
import { ProviderCallError } from '../../src/providers/provider-error';
import { startAllFakes, type AllFakes } from '../fakes';
import { startTestApp, type TestApp } from '../support/test-app';

/** Socket buffers on both sides hold a few MB at most: anything past this was read into memory. */
const SLACK_BYTES = 16 * 1024 * 1024;

interface Recorder {
  readonly server: Server;
  readonly url: string;
  readonly hits: string[];
}

interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
}

async function recorder(answer: (path: string) => Answer) {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const reply = answer(req.url ?? '');
    res.writeHead(reply.status, reply.headers).end(reply.body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits } satisfies Recorder;
}

async function close(server: Server | undefined): Promise<void> {
  server?.closeAllConnections();
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
}

describe('provider image downloads through the service: over the cap or redirected away, nothing charged', () => {
  let fakes: AllFakes;
  let foreign: Recorder;
  let t: TestApp;

  beforeAll(async () => {
    fakes = await startAllFakes();
    foreign = await recorder(() => ({ status: 200, headers: { 'content-type': 'image/png' }, body: Buffer.alloc(10) }));
    const { CLOUDINARY_URL: _local, ...providers } = fakes.env;
    t = await startTestApp({ env: providers });
  }, 60_000);
  afterEach(() => fakes.reset());
  afterAll(async () => {
    await t?.close();
    await fakes?.close();
    await close(foreign?.server);
  });

  const generate = (user: string, prompt: string) =>
    t.request('/v1/generations', { method: 'POST', user, json: { prompt, tier: 'standard' } });

  async function expectNothingCharged(user: string): Promise<void> {
    const credits = (await t.request('/v1/credits', { user })).body;
    expect(credits).toMatchObject({ freeRemainingToday: 3, reservedCredits: 0, paidCredits: 0 });
    const events = (await t.request(`/v1/admin/users/${user}/events`)).body.events as Array<{ type: string }>;
    expect(events.map((event) => event.type)).not.toContain('ReservationCaptured');
    expect(events.map((event) => event.type)).toContain('ReservationReleased');
  }

  it('a chunked image body past the cap: 502 provider_failed, the download stopped at the cap, nothing charged', async () => {
    fakes.fal.failNext({ kind: 'chunked', bytes: MAX_IMAGE_BYTES * 4, scope: 'media' }, 5);
    const response = await generate('chunked-user', 'an endless lighthouse');
    expect(response.status).toBe(502);
    expect(response.body.code).toBe('provider_failed');
    expect(fakes.fal.chunkedSent.length).toBeGreaterThanOrEqual(1);
    for (const sent of fakes.fal.chunkedSent) {
      expect(sent.clientLeft).toBe(true);
      expect(sent.bytes).toBeLessThan(MAX_IMAGE_BYTES + SLACK_BYTES);
    }
    await expectNothingCharged('chunked-user');
  });

  it('a redirect to another host: 502 provider_failed, the other host never asked, nothing charged', async () => {
    fakes.fal.failNext({ kind: 'redirect', location: `${foreign.url}/stolen.png`, scope: 'media' }, 5);
    const response = await generate('redirect-user', 'a lighthouse sent elsewhere');
    expect(response.status).toBe(502);
    expect(response.body.code).toBe('provider_failed');
    expect(foreign.hits).toEqual([]);
    await expectNothingCharged('redirect-user');
  });

  it('a download without either fault still succeeds', async () => {
    const response = await generate('plain-user', 'a lighthouse delivered whole');
    expect(response.status).toBe(201);
    expect(response.body.provider).toBe('fal');
  });
});

describe('downloadImage rules', () => {
  let files: Recorder;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    files = await recorder((path): Answer => {
      if (path === '/moved.png') return { status: 302, headers: { location: '/image.png' } };
      if (path === '/loop.png') return { status: 302, headers: { location: '/loop.png' } };
      if (path === '/declared.png')
        return { status: 200, headers: { 'content-length': '4096' }, body: Buffer.alloc(4096) };
      return { status: 200, headers: { 'content-type': 'image/png' }, body: Buffer.alloc(1000, 7) };
    });
  });
  afterAll(async () => {
    await close(files?.server);
    Logger.overrideLogger(new Logger());
  });

  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderCallError);
    return error as ProviderCallError;
  };

  it('follows a redirect within the origin the provider named', async () => {
    const bytes = await downloadImage(`${files.url}/moved.png`, undefined, 'fal', []);
    expect(bytes.length).toBe(1000);
  });

  it('refuses plain http off this machine, and URLs that are not http at all, before any request', async () => {
    for (const url of ['http://images.example.com/a.png', 'ftp://127.0.0.1/a.png', 'file:///etc/passwd', 'not a url']) {
      const error = await failure(downloadImage(url, undefined, 'fal', []));
      expect(error).toMatchObject({ kind: 'misconfigured', outcome: 'billed' });
      expect(error.message).toMatch(/not https/);
    }
  });

  it('stops a redirect loop, and refuses a body past the cap whether declared or not', async () => {
    await expect(failure(downloadImage(`${files.url}/loop.png`, undefined, 'fal', []))).resolves.toMatchObject({
      message: expect.stringMatching(/redirected more than 3 times/),
    });
    const declared = await failure(downloadImage(`${files.url}/declared.png`, undefined, 'fal', [], 1024));
    expect(declared.message).toMatch(/4096 bytes, over the 1024 limit/);
    const streamed = await failure(downloadImage(`${files.url}/image.png`, undefined, 'fal', [], 999));
    expect(streamed).toMatchObject({ kind: 'rejected', outcome: 'billed' });
    expect(streamed.message).toMatch(/more than 999 bytes/);
  });
});
