import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../common/clock';
import { monthOf } from '../../common/utc-time';
import { Database } from '../../database/database';
import { BudgetViews } from '../../billing/read-models/budget-months/budget-views';
import type { CachedImage } from '../read-models/prompt-cache/prompt-cache.table';
import { admit } from './admission.statement';
import type { ImageRequest } from './generate-image.command';
import { PromptCacheLookup } from './prompt-cache-lookup';
import { generationSubject, rateLimited, windowStartOf } from './rate-limiter';
import { SingleFlight, type LeaderFlight } from './single-flight';

/** Where a request goes after its admission. */
export interface Admitted {
  /** The request's cache key, chosen by the month's tier. */
  readonly key: string;
  /** Serve this cached image. */
  readonly cached?: CachedImage;
  /** Generate: this request leads the key's single flight. Neither: another request leads it. */
  readonly leader?: LeaderFlight;
}

/**
 * A request the process does not answer from memory is admitted in one round trip
 * (admission.statement.ts): counted against the rate limit (unless counted already, as a request
 * with Idempotency-Key is before its key is claimed), given the cache key the month's tier chooses,
 * answered from the prompt cache, or made the leader of its single flight.
 */
@Injectable()
export class Admissions {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly database: Database,
    private readonly budgets: BudgetViews,
    private readonly cache: PromptCacheLookup,
    private readonly singleFlight: SingleFlight,
  ) {}

  async admit(request: ImageRequest, options: { count: boolean }): Promise<Admitted> {
    const now = this.clock.now();
    const nowMs = now.getTime();
    const windowStart = windowStartOf(nowMs);
    const month = monthOf(now);
    const standardKey = this.cache.keyFor('standard', request.params);
    const premiumKey =
      request.requestedTier === 'standard' ? standardKey : this.cache.keyFor('premium', request.params);
    const version = this.budgets.readVersion();
    const admission = await admit(this.database, {
      month,
      subject: options.count ? generationSubject(request.userId) : null,
      windowStart: options.count ? new Date(windowStart).toISOString() : null,
      perMinute: this.config.rateLimitPerMinute,
      requestedTier: request.requestedTier,
      standardKey,
      premiumKey,
      ...this.singleFlight.claim(),
    });
    this.budgets.fromRow(month, admission.budget, version);
    if (admission.hits !== undefined && admission.hits > this.config.rateLimitPerMinute) {
      throw rateLimited(this.config.rateLimitPerMinute, windowStart, nowMs);
    }
    if (admission.cached) {
      this.cache.remember(admission.cached);
      return { key: admission.key, cached: admission.cached };
    }
    return { key: admission.key, leader: admission.leads ? this.singleFlight.leaderOf(admission.key) : undefined };
  }
}
