import type { OpenAIImageModel, Tier } from '../../config/app-config';
import type { AspectRatio, ImageQuality } from '../../providers/domain/image-provider';
import { falImageSize, openAIImageSize } from '../../providers/domain/image-sizes';
import { falPriceMicros, isPricedFalModel, openAIPriceMicros } from '../../providers/domain/pricing';

/** A provider generation as it happened. */
export interface GenerationItem {
  readonly kind: 'generation';
  readonly at: string;
  readonly requestedTier: Tier;
  /** The tier that served (Standard after a downgrade or a fallback). */
  readonly tier: Tier;
  /** Premium was down and Standard served: no policy would have had Premium then. */
  readonly fellBack: boolean;
  readonly provider: string;
  readonly costMicros: number;
  readonly aspectRatio: AspectRatio;
  readonly quality: ImageQuality;
}

/** A request served from the cache; `savedMicros` is what its source generation cost. */
export interface CacheHitItem {
  readonly kind: 'cache-hit';
  readonly at: string;
  readonly tier: Tier;
  readonly provider: string;
  readonly savedMicros: number;
  readonly aspectRatio: AspectRatio;
  readonly quality: ImageQuality;
}

export type UsageItem = GenerationItem | CacheHitItem;

export type WhatIf =
  | { readonly kind: 'standard-only' }
  | { readonly kind: 'no-cache' }
  | { readonly kind: 'cap'; readonly capMicros: number };

/** List prices (micro-dollars) of the tiers' real providers for one image's parameters. */
export type TierPricing = Readonly<
  Record<Tier, (params: { aspectRatio: AspectRatio; quality: ImageQuality }) => number>
>;

export interface PolicyOutcome {
  readonly spendMicros: number;
  readonly generations: Readonly<Record<Tier, number>>;
  readonly cacheHits: number;
  readonly savedMicros: number;
  /** When Premium stopped being served because of the soft cap, if it did. */
  readonly downgradedAt: string | null;
}

export function listPricing(premiumModel: OpenAIImageModel, standardModel: string): TierPricing {
  const falModel = isPricedFalModel(standardModel) ? standardModel : 'fal-ai/flux/schnell';
  return {
    premium: ({ aspectRatio, quality }) =>
      openAIPriceMicros(premiumModel, quality, openAIImageSize(premiumModel, aspectRatio)),
    standard: ({ aspectRatio }) => falPriceMicros(falModel, falImageSize(aspectRatio)),
  };
}

/** What actually happened: the recorded costs and savings, added up. */
export function replayActual(items: readonly UsageItem[], downgradedAt: string | null): PolicyOutcome {
  const outcome = new Tally();
  for (const item of items) {
    if (item.kind === 'generation') outcome.generation(item.tier, item.costMicros);
    else outcome.hit(item.savedMicros);
  }
  return outcome.result(downgradedAt);
}

/**
 * The same requests under another policy, in the order they came. An item served as the policy
 * would have served it keeps its recorded cost; one served otherwise is priced at the list price
 * of the tier the policy picks, for the same aspect ratio and quality. The local stand-in
 * provider bills nothing under any policy.
 */
export function replayWhatIf(
  items: readonly UsageItem[],
  whatIf: WhatIf,
  pricing: TierPricing,
  actualDowngradedAt: string | null,
): PolicyOutcome {
  const outcome = new Tally();
  const priceAt = (item: UsageItem, tier: Tier, recorded: number) =>
    item.tier === tier ? recorded : item.provider === 'local' ? 0 : pricing[tier](item);
  let downgradedAt: string | null = whatIf.kind === 'no-cache' ? actualDowngradedAt : null;
  for (const item of items) {
    if (item.kind === 'cache-hit') {
      if (whatIf.kind === 'no-cache') outcome.generation(item.tier, item.savedMicros);
      else if (whatIf.kind === 'standard-only') outcome.hit(priceAt(item, 'standard', item.savedMicros));
      else outcome.hit(item.savedMicros);
      continue;
    }
    let tier: Tier = item.tier;
    if (whatIf.kind === 'standard-only') tier = 'standard';
    if (whatIf.kind === 'cap' && item.requestedTier === 'premium') {
      if (downgradedAt === null && outcome.spendMicros + priceAt(item, 'premium', item.costMicros) > whatIf.capMicros)
        downgradedAt = item.at;
      tier = downgradedAt === null && !item.fellBack ? 'premium' : 'standard';
    }
    outcome.generation(tier, priceAt(item, tier, item.costMicros));
  }
  return outcome.result(downgradedAt);
}

class Tally {
  spendMicros = 0;
  private readonly generations: Record<Tier, number> = { premium: 0, standard: 0 };
  private cacheHits = 0;
  private savedMicros = 0;

  generation(tier: Tier, costMicros: number): void {
    this.generations[tier] += 1;
    this.spendMicros += costMicros;
  }

  hit(savedMicros: number): void {
    this.cacheHits += 1;
    this.savedMicros += savedMicros;
  }

  result(downgradedAt: string | null): PolicyOutcome {
    return {
      spendMicros: this.spendMicros,
      generations: { ...this.generations },
      cacheHits: this.cacheHits,
      savedMicros: this.savedMicros,
      downgradedAt,
    };
  }
}

export interface CostDifference {
  readonly spendMicros: number;
  readonly generations: Readonly<Record<Tier, number>>;
  readonly cacheHits: number;
  readonly savedMicros: number;
}

/** alternative - actual, field by field. */
export function difference(actual: PolicyOutcome, alternative: PolicyOutcome): CostDifference {
  return {
    spendMicros: alternative.spendMicros - actual.spendMicros,
    generations: {
      premium: alternative.generations.premium - actual.generations.premium,
      standard: alternative.generations.standard - actual.generations.standard,
    },
    cacheHits: alternative.cacheHits - actual.cacheHits,
    savedMicros: alternative.savedMicros - actual.savedMicros,
  };
}
