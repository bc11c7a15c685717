import { Logger } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { ProviderCallError } from './provider-error';
import { ProviderResilience, type ResilienceOptions } from './resilience';

const fast: Partial<ResilienceOptions> = {
  attemptTimeoutMs: 200,
  retries: 2,
  baseDelayMs: 5,
  maxDelayMs: 20,
  maxRetryAfterMs: 500,
  breakerThreshold: 3,
  halfOpenAfterMs: 100,
  random: () => 0.5,
};

const transient = (message = 'upstream 503', retryAfterMs?: number) =>
  ProviderCallError.fromStatus('openai', 503, message, { retryAfterMs });

/** A call that fails with the given errors in turn, then succeeds. */
function scripted(...failures: Error[]) {
  const calls: number[] = [];
  const call = async () => {
    calls.push(Date.now());
    const failure = failures.shift();
    if (failure) throw failure;
    return 'image';
  };
  return { call, calls };
}

async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('ProviderResilience', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));

  it('retries transient failures and returns the first success', async () => {
    const resilience = new ProviderResilience('openai', fast);
    const { call, calls } = scripted(transient(), transient());
    await expect(resilience.execute(call)).resolves.toBe('image');
    expect(calls).toHaveLength(3);
  });

  it('gives up after the configured retries with provider_failed', async () => {
    const resilience = new ProviderResilience('openai', { ...fast, breakerThreshold: 10 });
    const { call, calls } = scripted(transient(), transient(), transient(), transient());
    const error = await failure(resilience.execute(call));
    expect(error.code).toBe('provider_failed');
    expect(error.details).toMatchObject({ provider: 'openai', reason: 'transient', providerStatus: 503 });
    expect(calls).toHaveLength(3);
  });

  it('does not retry a rejected request, nor count it against the provider', async () => {
    const resilience = new ProviderResilience('openai', { ...fast, breakerThreshold: 1 });
    const { call, calls } = scripted(ProviderCallError.fromStatus('openai', 400, 'prompt refused'));
    const error = await failure(resilience.execute(call));
    expect(error.details).toMatchObject({ reason: 'rejected', providerStatus: 400 });
    expect(calls).toHaveLength(1);
    expect(resilience.breakerState).toBe('closed');
  });

  it('waits as long as Retry-After asks', async () => {
    const resilience = new ProviderResilience('openai', fast);
    const { call, calls } = scripted(transient('429', 150));
    await resilience.execute(call);
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(140);
  });

  it('stops retrying when Retry-After is longer than the cap', async () => {
    const resilience = new ProviderResilience('openai', fast);
    const { call, calls } = scripted(transient('429', 60_000));
    await failure(resilience.execute(call));
    expect(calls).toHaveLength(1);
  });

  it('backs off exponentially with jitter between retries', async () => {
    const resilience = new ProviderResilience('openai', {
      ...fast,
      baseDelayMs: 40,
      maxDelayMs: 1_000,
      random: () => 1,
    });
    const { call, calls } = scripted(transient(), transient());
    await resilience.execute(call);
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(38);
    expect(calls[2] - calls[1]).toBeGreaterThanOrEqual(78);
  });

  it('times out a slow attempt, aborting it, and retries', async () => {
    const resilience = new ProviderResilience('openai', { ...fast, attemptTimeoutMs: 50 });
    const aborted: boolean[] = [];
    let attempt = 0;
    const result = await resilience.execute(async (signal) => {
      attempt += 1;
      if (attempt === 1) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        aborted.push(signal.aborted);
      }
      return attempt;
    });
    expect(result).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(aborted).toEqual([true]);
  });

  it('reports a timeout when every attempt is too slow', async () => {
    const resilience = new ProviderResilience('openai', { ...fast, attemptTimeoutMs: 20, retries: 1 });
    const error = await failure(resilience.execute(() => new Promise((resolve) => setTimeout(resolve, 100))));
    expect(error.details).toMatchObject({ reason: 'timeout' });
  });

  it('opens the circuit after consecutive failures, fails fast, then probes and recovers', async () => {
    const resilience = new ProviderResilience('fal', { ...fast, retries: 0 });
    const down = scripted(transient(), transient(), transient());
    for (let i = 0; i < 3; i += 1) await failure(resilience.execute(down.call));
    expect(resilience.breakerState).toBe('open');

    const healthy = scripted();
    const error = await failure(resilience.execute(healthy.call));
    expect(error.code).toBe('provider_unavailable');
    expect(error.details).toMatchObject({ provider: 'fal', reason: 'circuit_open' });
    expect(healthy.calls).toHaveLength(0);

    await new Promise((resolve) => setTimeout(resolve, 120));
    await expect(resilience.execute(healthy.call)).resolves.toBe('image');
    expect(healthy.calls).toHaveLength(1);
    expect(resilience.breakerState).toBe('closed');
  });

  it('stops retrying as soon as the circuit opens', async () => {
    const resilience = new ProviderResilience('openai', { ...fast, retries: 5, breakerThreshold: 2 });
    const { call, calls } = scripted(transient(), transient(), transient(), transient());
    const error = await failure(resilience.execute(call));
    expect(error.code).toBe('provider_unavailable');
    expect(calls).toHaveLength(2);
  });

  it('reports a cancelled call without retrying it', async () => {
    const resilience = new ProviderResilience('openai', fast);
    const controller = new AbortController();
    let calls = 0;
    const pending = resilience.execute(async (signal) => {
      calls += 1;
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }, controller.signal);
    controller.abort();
    const error = await failure(pending);
    expect(error.details).toMatchObject({ reason: 'cancelled' });
    expect(calls).toBe(1);
  });

  it('never lets a secret through to the error', async () => {
    const secret = 'sk-live-0123456789abcdef';
    const resilience = new ProviderResilience('openai', { ...fast, retries: 0 });
    const error = await failure(
      resilience.execute(async () => {
        throw new Error(
          `request to https://user:pw@api.example/v1?key=${secret} failed with Authorization: Bearer ${secret}`,
        );
      }),
    );
    const everything = `${error.message} ${JSON.stringify(error.details)}`;
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('pw@');
    expect(everything).toContain('https://api.example/v1');
  });
});
