import { normalizePrompt } from '../../src/generation/domain/prompt';
import { falImageSize, openAIImageSize } from '../../src/providers/domain/image-sizes';
import { falPriceMicros, openAIPriceMicros } from '../../src/providers/domain/pricing';
import type { WorkloadRequest } from './workload';

/** What a month of requests cost under one way of keying the cache. */
export interface Outcome {
  readonly strategy: string;
  readonly requests: number;
  readonly providerCalls: number;
  readonly spendMicros: number;
  readonly hits: number;
  /** Served the image of another intent (another picture): must be 0. */
  readonly falseHits: number;
  /**
   * Served an image whose prompt normalises (src/generation/domain/prompt.ts) differently; not
   * counted for the cache keyed by intent, which shares images between spellings on purpose.
   */
  readonly falseHitsByNormalisation?: number;
  /** Misses a perfect cache (one keyed by the intent itself) would have served. */
  readonly missedHits: number;
  /** A few false hits as [prompt asked, prompt whose image was served]. */
  readonly falseHitExamples: ReadonlyArray<readonly [string, string]>;
}

const EXAMPLES_KEPT = 3;

/**
 * The seed's key: lower case, punctuation stripped, words sorted alphabetically. Sorting makes
 * "a red dog on a blue car" and "a blue dog on a red car" one entry.
 */
export function seedNormalize(prompt: string): string {
  return prompt
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .split(/\s+/)
    .filter((word) => word !== '')
    .sort()
    .join(' ');
}

/** Price of one provider call for the request's tier, at the providers' list prices. */
export function priceMicros(request: Pick<WorkloadRequest, 'tier' | 'aspectRatio' | 'quality'>): number {
  return request.tier === 'premium'
    ? openAIPriceMicros('dall-e-3', request.quality, openAIImageSize('dall-e-3', request.aspectRatio))
    : falPriceMicros('fal-ai/flux/schnell', falImageSize(request.aspectRatio));
}

/** Everything but the prompt that the cache key holds (the tier stands for its model and size). */
export function settingsKey(request: Pick<WorkloadRequest, 'tier' | 'aspectRatio' | 'quality'>): string {
  return `${request.tier}|${request.aspectRatio}|${request.quality}`;
}

export type PromptKey = ((prompt: string) => string) | 'intent' | 'none';

/** Replays the workload in order against a cache keyed by `key` (plus the settings). */
export function simulate(strategy: string, requests: readonly WorkloadRequest[], key: PromptKey): Outcome {
  const cache = new Map<string, WorkloadRequest>();
  const seenIntents = new Set<string>();
  let providerCalls = 0;
  let spendMicros = 0;
  let hits = 0;
  let falseHits = 0;
  let falseHitsByNormalisation = 0;
  let missedHits = 0;
  const falseHitExamples: Array<readonly [string, string]> = [];
  for (const request of requests) {
    const intentKey = `${request.intent}|${settingsKey(request)}`;
    const promptKey = key === 'none' ? undefined : key === 'intent' ? String(request.intent) : key(request.prompt);
    const source = promptKey === undefined ? undefined : cache.get(`${promptKey}|${settingsKey(request)}`);
    if (source) {
      hits += 1;
      if (source.intent !== request.intent) {
        falseHits += 1;
        const distinct = !falseHitExamples.some(
          ([asked]) => normalizePrompt(asked) === normalizePrompt(request.prompt),
        );
        if (distinct && falseHitExamples.length < EXAMPLES_KEPT) falseHitExamples.push([request.prompt, source.prompt]);
      }
      if (normalizePrompt(source.prompt) !== normalizePrompt(request.prompt)) falseHitsByNormalisation += 1;
    } else {
      providerCalls += 1;
      spendMicros += priceMicros(request);
      if (seenIntents.has(intentKey)) missedHits += 1;
      if (promptKey !== undefined) cache.set(`${promptKey}|${settingsKey(request)}`, request);
    }
    seenIntents.add(intentKey);
  }
  return {
    strategy,
    requests: requests.length,
    providerCalls,
    spendMicros,
    hits,
    falseHits,
    falseHitsByNormalisation: key === 'intent' ? undefined : falseHitsByNormalisation,
    missedHits,
    falseHitExamples,
  };
}
