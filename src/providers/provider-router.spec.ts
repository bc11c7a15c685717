import { Logger } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import type { GenerateParams, GeneratedImage, ImageProvider, ProviderName } from './domain/image-provider';
import { ProviderCallError } from './provider-error';
import { ProviderRouter } from './provider-router';
import type { ResilienceOptions } from './resilience';

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
