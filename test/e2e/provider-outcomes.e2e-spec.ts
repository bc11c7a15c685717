import { Logger } from '@nestjs/common';
import { createServer } from 'node:net';
import { parseConfig } from '../../src/config/app-config';
import type { GenerateParams } from '../../src/providers/domain/image-provider';
import { attemptSpend, type ProviderAttempt } from '../../src/providers/domain/provider-call';
import { ProviderFailure } from '../../src/providers/provider-failure';
import { ProviderRouter, type ProviderRouterOptions } from '../../src/providers/provider-router';
import { providersFromConfig } from '../../src/providers/tier-providers';
import { startAllFakes, type AllFakes, type BillEntry } from '../fakes';

const fast: ProviderRouterOptions = {
  attemptTimeoutMs: 3_000,
  retries: 2,
  baseDelayMs: 10,
  maxDelayMs: 50,
  maxRetryAfterMs: 5_000,
  breakerThreshold: 50,
  halfOpenAfterMs: 60_000,
};

const request: GenerateParams = {
  prompt: 'a lighthouse at dawn',
  aspectRatio: '1:1',
  style: null,
  quality: 'standard',
};
const DALL_E_PRICE = 40_000;
const FAL_PRICE = 3_000;

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const summary = (attempts: readonly ProviderAttempt[]) => attempts.map((a) => `${a.provider} ${a.outcome}`);
const billedIds = (attempts: readonly ProviderAttempt[]) =>
  attempts.filter((a) => a.outcome === 'billed').map((a) => a.requestId);
const ids = (bill: readonly BillEntry[]) => bill.map((entry) => entry.requestId);

async function failureOf(promise: Promise<unknown>): Promise<ProviderFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderFailure);
  return error as ProviderFailure;
}

describe('call outcomes against the fake providers, through the real SDKs', () => {
  let fakes: AllFakes;
  let env: Record<string, string>;
  const routerFor = (options: ProviderRouterOptions = {}, vars: Record<string, string> = {}) => {
    const merged = { ...fast, ...options };
    return new ProviderRouter(providersFromConfig(parseConfig({ ...env, ...vars }), merged.attemptTimeoutMs), merged);
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    fakes = await startAllFakes();
    const { CLOUDINARY_URL: _unused, ...providerEnv } = fakes.env;
    env = providerEnv;
  });

  afterEach(() => fakes.reset());

  afterAll(async () => {
    await fakes.close();
    Logger.overrideLogger(new Logger());
  });

  it('a 429 is not billed; the retry that served is, under the request id OpenAI invoices', async () => {
    fakes.openai.failNext({ kind: 'status', status: 429, retryAfterSeconds: 0 });
    const result = await routerFor().generate('premium', request);
    expect(summary(result.attempts)).toEqual(['openai not_billed', 'openai billed']);
    expect(billedIds(result.attempts)).toEqual(ids(fakes.openai.bill));
    expect(result.attempts[1]).toMatchObject({ costMicros: DALL_E_PRICE, requestId: result.image.providerRequestId });
  });

  it('5xx answers are unknown; Premium’s attempts stay in the record after the fallback', async () => {
    fakes.openai.failNext({ kind: 'status', status: 500 }, 3);
    const result = await routerFor().generate('premium', request);
    expect(summary(result.attempts)).toEqual(['openai unknown', 'openai unknown', 'openai unknown', 'fal billed']);
    expect(fakes.openai.bill).toEqual([]);
    expect(billedIds(result.attempts)).toEqual(ids(fakes.fal.bill));
    expect(attemptSpend(result.attempts)).toMatchObject({ billedMicros: FAL_PRICE, unknownMicros: 3 * DALL_E_PRICE });
  });

  it('OpenAI did the work and dropped the connection: unknown, and the unknown price covers its bill', async () => {
    fakes.openai.failNext({ kind: 'work-then-drop' });
    const result = await routerFor().generate('premium', request);
    expect(summary(result.attempts)).toEqual(['openai unknown', 'openai billed']);
    expect(fakes.openai.bill).toHaveLength(2);
    const spend = attemptSpend(result.attempts);
    expect(spend.billedMicros + spend.unknownMicros).toBe(fakes.openai.bill.length * DALL_E_PRICE);
  });

  it('a 200 whose body cannot be read is billed, under its request id', async () => {
    fakes.openai.failNext({ kind: 'malformed' });
    const result = await routerFor().generate('premium', request);
    expect(summary(result.attempts)).toEqual(['openai billed', 'openai billed']);
    expect(result.attempts[0]).toMatchObject({
      error: { code: 'transient' },
      requestId: expect.stringMatching(/^req_/),
    });
    expect(billedIds(result.attempts)).toEqual(ids(fakes.openai.bill));
  });

  it('fal finished the job but its result fetch was dropped: billed, not a second free try', async () => {
    fakes.fal.failNext({ kind: 'work-then-drop' });
    const result = await routerFor().generate('standard', request);
    expect(summary(result.attempts)).toEqual(['fal billed', 'fal billed']);
    expect(billedIds(result.attempts)).toEqual(ids(fakes.fal.bill));
  });

  it('fal’s image download failing after the job is billed', async () => {
    fakes.fal.failNext({ kind: 'status', status: 503, scope: 'media' });
    const result = await routerFor().generate('standard', request);
    expect(summary(result.attempts)).toEqual(['fal billed', 'fal billed']);
    expect(result.attempts[0]).toMatchObject({ error: { status: 503 } });
    expect(billedIds(result.attempts)).toEqual(ids(fakes.fal.bill));
  });

  it('a job that failed on fal’s side is not taken for billed', async () => {
    fakes.fal.failNext({ kind: 'job-error' });
    const result = await routerFor().generate('standard', request);
    expect(summary(result.attempts)).toEqual(['fal unknown', 'fal billed']);
    expect(fakes.fal.bill).toHaveLength(1);
  });

  it('a refused connection is not billed, for either provider', async () => {
    const port = await closedPort();
    const router = routerFor(
      { retries: 0 },
      { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, FAL_BASE_URL: `http://127.0.0.1:${port}` },
    );
    const failure = await failureOf(router.generate('premium', request));
    expect(summary(failure.attempts)).toEqual(['openai not_billed', 'fal not_billed']);
  });

  describe('the deadline', () => {
    it('cuts an answer OpenAI makes late: timeout, unknown, no fallback; the fake still bills it', async () => {
      fakes.openai.failNext({ kind: 'work-then-late', delayMs: 3_000 });
      const started = Date.now();
      const failure = await failureOf(routerFor({ deadlineMs: 500 }).generate('premium', request));
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(failure).toMatchObject({ code: 'provider_failed', reason: 'timeout' });
      expect(failure.attempts).toEqual([
        expect.objectContaining({ provider: 'openai', outcome: 'unknown', priceMicros: DALL_E_PRICE }),
      ]);
      expect(fakes.fal.requests).toEqual([]);
      expect(fakes.openai.bill).toHaveLength(1);
      expect(attemptSpend(failure.attempts).unknownMicros).toBe(DALL_E_PRICE);
    });

    it('cancels a fal job still queued when the deadline passes, so it is not billed', async () => {
      fakes.fal.setQueueDelay(5_000);
      const failure = await failureOf(routerFor({ deadlineMs: 400 }).generate('standard', request));
      expect(failure.attempts).toEqual([expect.objectContaining({ provider: 'fal', outcome: 'unknown' })]);
      const jobId = failure.attempts[0]!.requestId;
      expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const cancels = fakes.fal.requests.filter((r) => r.method === 'PUT');
      expect(cancels.map((r) => r.path)).toEqual([`/fal-ai/flux/requests/${jobId}/cancel`]);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(fakes.fal.bill).toEqual([]);
    }, 15_000);
  });
});
