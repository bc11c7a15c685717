import type { Tier } from '../../config/app-config';

/** The generation stream (`generation-{id}`): one request for an image, from ask to outcome. */
export function generationStreamId(generationId: string): string {
  return `generation-${generationId}`;
}

export type Charge = 'free' | 'paid' | 'none';

export interface ImageRef {
  readonly url: string;
  readonly width: number;
  readonly height: number;
  readonly mimeType: string;
  readonly publicId?: string;
}

export interface RequestedImage {
  readonly generationId: string;
  readonly userId: string;
  readonly prompt: string;
  readonly aspectRatio: string;
  readonly style: string | null;
  readonly quality: string;
  readonly requestedTier: Tier;
  readonly cacheKey: string;
}

/**
 * One provider call a generation made, as it ended: `billed` (the provider did the work, at
 * `costMicros`), `not_billed` (refused before any work) or `unknown` (it may have been worked on;
 * counted at `priceMicros`). `attempt` numbers the generation's calls, a fallback's included.
 */
export interface ProviderCallRecord {
  readonly provider: string;
  readonly model: string;
  /** The tier whose provider made the call: `standard` for a fallback. */
  readonly tier: Tier;
  readonly attempt: number;
  readonly priceMicros: number;
  readonly outcome: 'billed' | 'not_billed' | 'unknown';
  /** What the provider bills for a `billed` call. */
  readonly costMicros?: number;
  /** The provider's id for the call, as its invoice lists it, when it sent one. */
  readonly requestId?: string;
  readonly error?: { readonly code: string; readonly message: string; readonly status?: number };
}

export type GenerationRequested = {
  readonly type: 'GenerationRequested';
  readonly data: RequestedImage & {
    readonly tier: Tier;
    readonly downgraded: boolean;
    readonly reservationId: string;
    readonly charge: Exclude<Charge, 'none'>;
    readonly reservedPriceMicros: number;
    readonly requestedAt: string;
    /**
     * The first provider call, as planned when the generation was requested: this record is
     * committed before the call starts (absent on older events). Later calls record
     * ProviderCallStarted.
     */
    readonly firstCall?: { readonly provider: string; readonly model: string; readonly priceMicros: number };
  };
};

/**
 * A retry or the fallback to another provider is about to call a provider: recorded before the
 * call starts, so a process that dies during it leaves the call on the record. `heldMicros` is
 * what the reservation holds in the month's budget for the generation's calls, this one included
 * (raised in the same transaction when the earlier calls may have used up the hold).
 */
export type ProviderCallStarted = {
  readonly type: 'ProviderCallStarted';
  readonly data: {
    readonly generationId: string;
    readonly provider: string;
    readonly model: string;
    readonly tier: Tier;
    readonly attempt: number;
    readonly priceMicros: number;
    readonly heldMicros: number;
    readonly startedAt: string;
  };
};

export type GenerationSucceeded = {
  readonly type: 'GenerationSucceeded';
  readonly data: {
    readonly generationId: string;
    readonly userId: string;
    readonly provider: string;
    readonly model: string;
    readonly tier: Tier;
    readonly fellBack: boolean;
    readonly cacheKey: string;
    readonly image: ImageRef;
    readonly costMicros: number;
    readonly charge: Charge;
    readonly providerRequestId: string;
    readonly completedAt: string;
    /** Every provider call, failed ones and Premium's before a fallback included (absent on older events). */
    readonly attempts?: readonly ProviderCallRecord[];
  };
};

export type GenerationFailed = {
  readonly type: 'GenerationFailed';
  readonly data: {
    readonly generationId: string;
    readonly userId: string;
    readonly code: string;
    readonly message: string;
    readonly provider: string | null;
    readonly failedAt: string;
    /**
     * The provider calls made before it failed, billed ones included (an image made but not
     * stored). Absent on older events and when the generation was closed by the expiry job.
     */
    readonly attempts?: readonly ProviderCallRecord[];
  };
};

/** A request served from the prompt cache: nothing charged, `savedMicros` not spent at the provider. */
export type CacheHit = {
  readonly type: 'CacheHit';
  readonly data: RequestedImage & {
    readonly sourceGenerationId: string;
    readonly tier: Tier;
    readonly downgraded: boolean;
    readonly provider: string;
    readonly model: string;
    readonly image: ImageRef;
    readonly savedMicros: number;
    readonly servedAt: string;
  };
};

export type GenerationEvent =
  | GenerationRequested
  | ProviderCallStarted
  | GenerationSucceeded
  | GenerationFailed
  | CacheHit;
