import { Logger } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import type { GenerateParams, GeneratedImage, ImageProvider, ProviderName } from './domain/image-provider';
import { attemptSpend } from './domain/provider-call';
import { abortableSleep } from './deadline';
import { ProviderCallError } from './provider-error';
import { ProviderFailure } from './provider-failure';
import { ProviderRouter } from './provider-router';
import type { ResilienceOptions } from './resilience';

/** The back-off waits the router asks for, in order, each then waited out as usual. */
function recordingSleep(waits: number[]): ResilienceOptions['sleep'] {
  return (ms, signal) => {
    waits.push(ms);
    return abortableSleep(ms, signal);
  };
}

const fast: Partial<ResilienceOptions> = {
  attemptTimeoutMs: 200,
  retries: 1,
  baseDelayMs: 1,
  maxDelayMs: 2,
  breakerThreshold: 2,
  halfOpenAfterMs: 60_000,
};

/** A provider whose next calls fail with the queued errors, then succeed. */
class ScriptedProvider implements ImageProvider {
  readonly failures: Error[] = [];
  calls = 0;

  constructor(
    readonly name: ProviderName,
    readonly model: string,
    private readonly micros: number,
  ) {}

  size() {
    return { width: 1024, height: 1024 };
  }

  price() {
    return this.micros;
  }

  async generate(params: GenerateParams): Promise<GeneratedImage> {
    this.calls += 1;
    const failure = this.failures.shift();
    if (failure) throw failure;
    return {
      bytes: Buffer.from(params.prompt),
      mimeType: 'image/png',
      width: 1024,
      height: 1024,
      model: this.model,
      provider: this.name,
      providerRequestId: `${this.name}-${this.calls}`,
    };
  }
}

const params: GenerateParams = { prompt: 'a fox', aspectRatio: '1:1', style: null, quality: 'hd' };
const down = () => ProviderCallError.fromStatus('openai', 503, '503 overloaded');

function setup() {
  const premium = new ScriptedProvider('openai', 'dall-e-3', 80_000);
  const standard = new ScriptedProvider('fal', 'fal-ai/flux/schnell', 3_000);
  return { premium, standard, router: new ProviderRouter({ premium, standard }, fast) };
}

describe('ProviderRouter', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));

  it('routes each tier to its provider', () => {
    const { router, premium, standard } = setup();
    expect(router.route('premium')).toBe(premium);
    expect(router.route('standard')).toBe(standard);
  });

  it('serves premium from premium and charges its price', async () => {
    const { router } = setup();
    await expect(router.generate('premium', params)).resolves.toMatchObject({
      provider: 'openai',
      model: 'dall-e-3',
      requestedTier: 'premium',
      tier: 'premium',
      costMicros: 80_000,
      fellBack: false,
      fallbackReason: null,
    });
  });

  it('falls back to standard when premium keeps failing, charging standard’s price', async () => {
    const { router, premium, standard } = setup();
    premium.failures.push(down(), down());
    const result = await router.generate('premium', params);
    expect(result).toMatchObject({
      provider: 'fal',
      model: 'fal-ai/flux/schnell',
      requestedTier: 'premium',
      tier: 'standard',
      costMicros: 3_000,
      fellBack: true,
      fallbackReason: 'transient',
    });
    expect(premium.calls).toBe(2);
    expect(standard.calls).toBe(1);
  });

  it('goes straight to standard while premium’s circuit is open', async () => {
    const { router, premium } = setup();
    premium.failures.push(down(), down());
    await router.generate('premium', params);
    const result = await router.generate('premium', params);
    expect(result).toMatchObject({ tier: 'standard', fellBack: true, fallbackReason: 'circuit_open' });
    expect(premium.calls).toBe(2);
  });

  it('does not fall back for a request premium refused', async () => {
    const { router, premium, standard } = setup();
    premium.failures.push(ProviderCallError.fromStatus('openai', 400, 'content policy violation'));
    const error = await router.generate('premium', params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('provider_failed');
    expect(standard.calls).toBe(0);
  });

  it('never falls back from standard', async () => {
    const { router, standard } = setup();
    standard.failures.push(down(), down());
    const error = await router.generate('standard', params).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe('provider_failed');
    expect((error as DomainError).details).toMatchObject({ provider: 'fal', reason: 'transient' });
  });

  it('reports standard’s failure when both are down', async () => {
    const { router, premium, standard } = setup();
    premium.failures.push(down(), down());
    standard.failures.push(down(), down());
    const error = await router.generate('premium', params).catch((e: unknown) => e);
    expect((error as DomainError).details).toMatchObject({ provider: 'fal' });
  });

  it('reserves enough for whichever provider serves', () => {
    const premium = new ScriptedProvider('local', 'local-premium', 0);
    const standard = new ScriptedProvider('fal', 'fal-ai/flux/schnell', 3_000);
    const router = new ProviderRouter({ premium, standard }, fast);
    expect(router.priceFor('premium', params)).toBe(3_000);
    expect(router.priceFor('standard', params)).toBe(3_000);
    expect(setup().router.priceFor('premium', params)).toBe(80_000);
  });
});

describe('ProviderRouter attempts, deadline and beforeAttempt', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));

  const refused = () => ProviderCallError.fromStatus('openai', 429, '429 rate limited');
  const gone = () => new ProviderCallError('openai', 'transient', 'socket hang up', { outcome: 'unknown' });

  it('records every attempt, Premium’s failed ones before the fallback included, with their outcomes', async () => {
    const { router, premium } = setup();
    premium.failures.push(down(), refused());
    const result = await router.generate('premium', params);
    expect(result.attempts).toEqual([
      {
        provider: 'openai',
        model: 'dall-e-3',
        tier: 'premium',
        attempt: 1,
        priceMicros: 80_000,
        outcome: 'unknown',
        error: { code: 'transient', message: '503 overloaded', status: 503 },
      },
      {
        provider: 'openai',
        model: 'dall-e-3',
        tier: 'premium',
        attempt: 2,
        priceMicros: 80_000,
        outcome: 'not_billed',
        error: { code: 'transient', message: '429 rate limited', status: 429 },
      },
      {
        provider: 'fal',
        model: 'fal-ai/flux/schnell',
        tier: 'standard',
        attempt: 3,
        priceMicros: 3_000,
        outcome: 'billed',
        costMicros: 3_000,
        requestId: 'fal-1',
      },
    ]);
    expect(attemptSpend(result.attempts)).toEqual({
      billedMicros: 3_000,
      unknownMicros: 80_000,
      calls: { billed: 1, not_billed: 1, unknown: 1 },
    });
  });

  it('keeps a billed failure billed (the provider did the work before the answer was lost)', async () => {
    const { router, premium } = setup();
    premium.failures.push(
      new ProviderCallError('openai', 'transient', 'body broke off', { outcome: 'billed', requestId: 'req_1' }),
    );
    const result = await router.generate('premium', params);
    expect(result.attempts.map((a) => [a.outcome, a.requestId])).toEqual([
      ['billed', 'req_1'],
      ['billed', 'openai-2'],
    ]);
    expect(attemptSpend(result.attempts).billedMicros).toBe(160_000);
  });

  it('throws a ProviderFailure that carries every attempt and keeps the HTTP code', async () => {
    const { router, premium, standard } = setup();
    premium.failures.push(down(), down());
    standard.failures.push(gone(), gone());
    const error = await router.generate('premium', params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderFailure);
    const failure = error as ProviderFailure;
    expect(failure).toBeInstanceOf(DomainError);
    expect(failure.code).toBe('provider_failed');
    expect(failure.reason).toBe('transient');
    expect(failure.details).toMatchObject({ provider: 'fal', reason: 'transient' });
    expect(failure.attempts.map((a) => `${a.attempt} ${a.provider} ${a.outcome}`)).toEqual([
      '1 openai unknown',
      '2 openai unknown',
      '3 fal unknown',
      '4 fal unknown',
    ]);
  });

  it('marks an attempt cut by its timeout as unknown, even when the provider never answers', async () => {
    const premium = new HangingProvider('openai', 'dall-e-3', 80_000);
    const standard = new ScriptedProvider('fal', 'fal-ai/flux/schnell', 3_000);
    const router = new ProviderRouter({ premium, standard }, { ...fast, attemptTimeoutMs: 30, retries: 0 });
    const result = await router.generate('premium', params);
    expect(result).toMatchObject({ tier: 'standard', fallbackReason: 'timeout' });
    expect(result.attempts.map((a) => [a.provider, a.outcome, a.error?.code])).toEqual([
      ['openai', 'unknown', 'timeout'],
      ['fal', 'billed', undefined],
    ]);
  });

  describe('the deadline', () => {
    it('cuts the call in flight with reason timeout and outcome unknown, and never falls back after it', async () => {
      const premium = new HangingProvider('openai', 'dall-e-3', 80_000);
      const standard = new ScriptedProvider('fal', 'fal-ai/flux/schnell', 3_000);
      const router = new ProviderRouter({ premium, standard }, { ...fast, attemptTimeoutMs: 10_000, deadlineMs: 80 });
      // The premium call hangs for 80 s: only the deadline's abort ends it within the test's time.
      const failure = (await router.generate('premium', params).catch((e: unknown) => e)) as ProviderFailure;
      expect(failure).toBeInstanceOf(ProviderFailure);
      expect(failure.code).toBe('provider_failed');
      expect(failure.details).toMatchObject({ provider: 'openai', reason: 'timeout' });
      expect(failure.attempts).toEqual([
        expect.objectContaining({
          provider: 'openai',
          outcome: 'unknown',
          error: expect.objectContaining({ code: 'timeout' }),
        }),
      ]);
      expect(premium.signals[0]!.aborted).toBe(true);
      expect(standard.calls).toBe(0);
    });

    it('ends the back-off: no retry starts that the wait would push past the deadline, and the fallback gets what is left', async () => {
      const { premium, standard } = setup();
      const waits: number[] = [];
      const router = new ProviderRouter(
        { premium, standard },
        {
          ...fast,
          retries: 3,
          breakerThreshold: 10,
          deadlineMs: 1_000,
          maxRetryAfterMs: 60_000,
          sleep: recordingSleep(waits),
        },
      );
      premium.failures.push(ProviderCallError.fromStatus('openai', 503, 'busy', { retryAfterMs: 5_000 }));
      const result = await router.generate('premium', params);
      expect(waits).toEqual([]);
      expect(premium.calls).toBe(1);
      expect(result).toMatchObject({ tier: 'standard', fellBack: true });
    });

    it('retries only while a back-off wait ends before the deadline', async () => {
      const { premium, standard } = setup();
      const waits: number[] = [];
      const router = new ProviderRouter(
        { premium, standard },
        {
          ...fast,
          retries: 5,
          breakerThreshold: 10,
          baseDelayMs: 40,
          maxDelayMs: 40,
          random: () => 1,
          deadlineMs: 150,
          sleep: recordingSleep(waits),
        },
      );
      standard.failures.push(...Array.from({ length: 6 }, () => down()));
      const failure = (await router.generate('standard', params).catch((e: unknown) => e)) as ProviderFailure;
      // Every wait it began ended before the deadline; the one that would not was never begun.
      expect(waits.reduce((sum, ms) => sum + ms, 0)).toBeLessThan(150);
      expect(standard.calls).toBe(waits.length + 1);
      expect(failure).toBeInstanceOf(ProviderFailure);
      expect(failure.reason).toBe('transient');
      expect(standard.calls).toBeGreaterThanOrEqual(2);
      expect(standard.calls).toBeLessThan(6);
      expect(failure.attempts).toHaveLength(standard.calls);
    });
  });

  describe('beforeAttempt', () => {
    it('is awaited before each call with the attempt about to be made', async () => {
      const { router, premium } = setup();
      premium.failures.push(down(), down());
      const seen: string[] = [];
      await router.generate('premium', params, {
        beforeAttempt: async (planned) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          seen.push(
            `${planned.attempt} ${planned.tier} ${planned.provider} ${planned.priceMicros} calls=${premium.calls}`,
          );
        },
      });
      expect(seen).toEqual([
        '1 premium openai 80000 calls=0',
        '2 premium openai 80000 calls=1',
        '3 standard fal 3000 calls=2',
      ]);
    });

    it('stops the generation when it throws: no call is made, the failure carries the attempts so far', async () => {
      const { router, premium, standard } = setup();
      premium.failures.push(down(), down());
      const budget = new DomainError('budget_exhausted', 'no room under the hard cap for a second provider');
      const failure = (await router
        .generate('premium', params, {
          beforeAttempt: (planned) => {
            if (planned.tier === 'standard') throw budget;
          },
        })
        .catch((e: unknown) => e)) as ProviderFailure;
      expect(failure).toBeInstanceOf(ProviderFailure);
      expect(failure.code).toBe('budget_exhausted');
      expect(failure.reason).toBe('attempt_refused');
      expect(failure.cause).toBe(budget);
      expect(failure.attempts.map((a) => `${a.attempt} ${a.provider} ${a.outcome}`)).toEqual([
        '1 openai unknown',
        '2 openai unknown',
      ]);
      expect(standard.calls).toBe(0);
      expect(router.route('premium')).toBe(premium);
    });

    it('neither retries a refusal nor counts it against the provider', async () => {
      const { router, premium } = setup();
      for (let i = 0; i < 3; i += 1) {
        const failure = (await router
          .generate('standard', params, {
            beforeAttempt: () => {
              throw new Error('no hold');
            },
          })
          .catch((e: unknown) => e)) as ProviderFailure;
        expect(failure).toMatchObject({ code: 'provider_failed', reason: 'attempt_refused', attempts: [] });
      }
      await expect(router.generate('standard', params)).resolves.toMatchObject({ tier: 'standard' });
      expect(premium.calls).toBe(0);
    });
  });
});

/** A provider that never answers, as one that ignores the abort would; it records the signals it got. */
class HangingProvider extends ScriptedProvider {
  readonly signals: AbortSignal[] = [];

  override async generate(params: GenerateParams): Promise<GeneratedImage> {
    this.calls += 1;
    if (params.signal) this.signals.push(params.signal);
    return new Promise(() => undefined);
  }
}
