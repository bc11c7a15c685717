import {
  difference,
  listPricing,
  replayActual,
  replayWhatIf,
  type CacheHitItem,
  type GenerationItem,
  type UsageItem,
} from './cost-report';

const pricing = listPricing('dall-e-3', 'fal-ai/flux/schnell');

const premium = (at: string, overrides: Partial<GenerationItem> = {}): GenerationItem => ({
  kind: 'generation',
  at,
  requestedTier: 'premium',
  tier: 'premium',
  fellBack: false,
  provider: 'openai',
  costMicros: 40_000,
  aspectRatio: '1:1',
  quality: 'standard',
  ...overrides,
});

const standard = (at: string, overrides: Partial<GenerationItem> = {}): GenerationItem => ({
  ...premium(at),
  requestedTier: 'standard',
  tier: 'standard',
  provider: 'fal',
  costMicros: 3_000,
  ...overrides,
});

const hit = (at: string, overrides: Partial<CacheHitItem> = {}): CacheHitItem => ({
  kind: 'cache-hit',
  at,
  tier: 'premium',
  provider: 'openai',
  savedMicros: 40_000,
  aspectRatio: '1:1',
  quality: 'standard',
  ...overrides,
});

describe('cost report replay', () => {
  const month: UsageItem[] = [
    premium('2026-11-03T09:00:00Z'),
    premium('2026-11-03T10:00:00Z', { aspectRatio: '16:9', quality: 'hd', costMicros: 120_000 }),
    hit('2026-11-03T11:00:00Z'),
    standard('2026-11-04T09:00:00Z'),
    hit('2026-11-04T10:00:00Z', { tier: 'standard', provider: 'fal', savedMicros: 3_000 }),
  ];

  it('adds up the recorded costs and savings for the actual policy', () => {
    expect(replayActual(month, '2026-11-05T00:00:00.000Z')).toEqual({
      spendMicros: 163_000,
      generations: { premium: 2, standard: 1 },
      cacheHits: 2,
      savedMicros: 43_000,
      downgradedAt: '2026-11-05T00:00:00.000Z',
    });
  });

  it('no-cache: every hit becomes a generation of its tier at its source cost, so spend rises by exactly the savings', () => {
    const actual = replayActual(month, null);
    const noCache = replayWhatIf(month, { kind: 'no-cache' }, pricing, null);
    expect(noCache).toMatchObject({
      spendMicros: 206_000,
      generations: { premium: 3, standard: 2 },
      cacheHits: 0,
      savedMicros: 0,
    });
    expect(difference(actual, noCache)).toEqual({
      spendMicros: actual.savedMicros,
      generations: { premium: 1, standard: 1 },
      cacheHits: -2,
      savedMicros: -43_000,
    });
  });

  it('standard-only: Premium images at the fal price of the same aspect ratio, Premium hits saving that price', () => {
    const outcome = replayWhatIf(month, { kind: 'standard-only' }, pricing, null);
    // 1:1 is 1024x1024 and 16:9 is 1344x768: both within one billed megapixel at $0.003.
    expect(outcome).toEqual({
      spendMicros: 9_000,
      generations: { premium: 0, standard: 3 },
      cacheHits: 2,
      savedMicros: 6_000,
      downgradedAt: null,
    });
  });

  it('standard-only prices a tall 1:3 image by its megapixels, and leaves the free local stand-in free', () => {
    const items = [
      premium('2026-11-03T09:00:00Z', { aspectRatio: '1:3' }),
      premium('2026-11-03T09:01:00Z', { provider: 'local', costMicros: 0 }),
    ];
    // 576x1728 is 0.95 MP: one billed megapixel.
    expect(replayWhatIf(items, { kind: 'standard-only' }, pricing, null).spendMicros).toBe(3_000);
  });

  it('cap: once month-to-date spend plus the next Premium price passes the cap, that and later Premium requests are Standard', () => {
    const items = [
      premium('2026-11-03T09:00:00Z'),
      premium('2026-11-03T09:01:00Z'),
      premium('2026-11-03T09:02:00Z'),
      standard('2026-11-03T09:03:00Z'),
      premium('2026-11-03T09:04:00Z'),
    ];
    // 0.04 + 0.04 = 0.08; 0.08 + 0.04 > 0.10, so the third Premium request is the first downgraded.
    const outcome = replayWhatIf(items, { kind: 'cap', capMicros: 100_000 }, pricing, null);
    expect(outcome).toEqual({
      spendMicros: 80_000 + 3 * 3_000,
      generations: { premium: 2, standard: 3 },
      cacheHits: 0,
      savedMicros: 0,
      downgradedAt: '2026-11-03T09:02:00Z',
    });
  });

  it('cap: a higher cap serves as Premium what the real cap downgraded, at the Premium list price; a fallback stays Standard', () => {
    const items = [
      premium('2026-11-03T09:00:00Z'),
      standard('2026-11-03T09:01:00Z', { requestedTier: 'premium', quality: 'hd' }),
      standard('2026-11-03T09:02:00Z', { requestedTier: 'premium', fellBack: true }),
    ];
    const outcome = replayWhatIf(items, { kind: 'cap', capMicros: 1_000_000 }, pricing, null);
    expect(outcome).toMatchObject({
      spendMicros: 40_000 + 80_000 + 3_000,
      generations: { premium: 2, standard: 1 },
      downgradedAt: null,
    });
  });

  it('the actual policy replayed as a what-if at the real cap gives the recorded figures', () => {
    const items = [
      premium('2026-11-03T09:00:00Z'),
      premium('2026-11-03T09:01:00Z'),
      standard('2026-11-03T09:02:00Z', { requestedTier: 'premium' }),
    ];
    const atRealCap = replayWhatIf(items, { kind: 'cap', capMicros: 100_000 }, pricing, null);
    expect(difference(replayActual(items, null), atRealCap)).toEqual({
      spendMicros: 0,
      generations: { premium: 0, standard: 0 },
      cacheHits: 0,
      savedMicros: 0,
    });
    expect(atRealCap.downgradedAt).toBe('2026-11-03T09:02:00Z');
  });
});
