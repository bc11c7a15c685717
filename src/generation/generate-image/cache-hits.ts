import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type Tier } from '../../config/app-config';
import { Clock } from '../../common/clock';
import { IdGenerator } from '../../common/ids';
import { monthOf } from '../../common/utc-time';
import { Database } from '../../database/database';
import { EventStore } from '../../event-store/event-store';
import { BudgetViews } from '../../billing/read-models/budget-months/budget-views';
import { accountStatusOf, creditStatusView } from '../../billing/read-models/account-balances/credit-status.reads';
import { generationStreamId, type CacheHit } from '../domain/generation-events';
import { generationDecider } from '../domain/generation';
import { cacheHitRow } from '../read-models/generations/generations.projection';
import { toGenerationView } from '../read-models/generations/generation-view';
import type { CachedImage } from '../read-models/prompt-cache/prompt-cache.table';
import { recordCacheHits, type HitInput, type HitOutcome } from './cache-hit.statement';
import {
  imageRequest,
  requestedImage,
  type GenerateImage,
  type GenerateImageResult,
  type ImageRequest,
} from './generate-image.command';
import { PromptCacheLookup } from './prompt-cache-lookup';
import { generationSubject, rateLimited, windowStartOf } from './rate-limiter';

/**
 * Statements written at the same time. One: hits that arrive while a statement is being written
 * wait for it and share the next, so a group is as large as the load makes it. Measured at 50
 * connections (bench:http), one in flight served about 1.5x the hits of four, with half the
 * PostgreSQL CPU per hit (fewer, larger commits: less WAL flushing and lock traffic).
 */
const MAX_GROUPS_IN_FLIGHT = 1;
const MAX_HITS_PER_GROUP = 500;

interface Pending {
  readonly input: HitInput;
  readonly month: string;
  resolve(outcome: HitOutcome): void;
  reject(error: unknown): void;
}

/** Counted against the rate limit in the hit's own statement, for a month's tier guessed in memory. */
interface Counting {
  readonly nowMs: number;
  readonly windowStart: number;
  readonly expectedTier: Tier | null;
}

/**
 * Serving a request from the prompt cache. Every hit is one statement (cache-hit.statement.ts)
 * that records it, writes its row and reads the user's credits; hits that arrive while others are
 * being written share the next statement, as the event store groups appends, and each is answered
 * only after its statement committed. A request without Idempotency-Key whose image this process
 * remembers is counted against the rate limit in that same statement, so it costs the database
 * one round trip in all.
 */
@Injectable()
export class CacheHits {
  private queue: Pending[] = [];
  private groupsInFlight = 0;
  private checkedProjections = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly store: EventStore,
    private readonly database: Database,
    private readonly budgets: BudgetViews,
    private readonly cache: PromptCacheLookup,
  ) {}

  /**
   * The answer when the image is remembered in this process, else undefined (the full path then
   * counts the request and looks the cache up in the database). A Premium request's image depends
   * on the month's tier: the tier last read here is used, and the statement writes and counts
   * nothing if the month's row says otherwise (the full path then reads it afresh).
   */
  async serveRemembered(command: GenerateImage): Promise<GenerateImageResult | undefined> {
    const request = imageRequest(command, this.config.defaultTier);
    const now = this.clock.now();
    const budgetTier = request.requestedTier === 'standard' ? undefined : this.budgets.lastKnownTier(monthOf(now));
    if (request.requestedTier === 'premium' && budgetTier === undefined) return undefined;
    const entry = this.cache.remembered(this.cache.keyFor(budgetTier ?? 'standard', request.params));
    if (!entry) return undefined;
    const nowMs = now.getTime();
    return this.record(request, entry, now, {
      nowMs,
      windowStart: windowStartOf(nowMs),
      expectedTier: budgetTier ?? null,
    });
  }

  /** The answer for a request already counted against the rate limit, from a cached image chosen for it. */
  async serve(request: ImageRequest, entry: CachedImage): Promise<GenerateImageResult> {
    const served = await this.record(request, entry, this.clock.now());
    if (!served) throw new Error('a cache hit with no tier to check was refused');
    return served;
  }

  private async record(
    request: ImageRequest,
    entry: CachedImage,
    now: Date,
    counting?: Counting,
  ): Promise<GenerateImageResult | undefined> {
    const generationId = this.ids.prefixed('gen');
    const servedAt = now.toISOString();
    const data: CacheHit['data'] = {
      ...requestedImage(request, generationId, entry.cache_key),
      sourceGenerationId: entry.generation_id,
      tier: entry.tier,
      downgraded: entry.tier !== request.requestedTier,
      provider: entry.provider,
      model: entry.model,
      image: entry.image,
      savedMicros: Number(entry.cost_micros),
      servedAt,
    };
    const [event] = generationDecider.decide({ type: 'RecordCacheHit', data }, generationDecider.initialState());
    const row = cacheHitRow(data);
    const month = monthOf(now);
    const version = this.budgets.readVersion();
    const outcome = await this.submit(
      {
        stream_id: generationStreamId(generationId),
        user_id: request.userId,
        subject: counting ? generationSubject(request.userId) : null,
        window_start: counting ? new Date(counting.windowStart).toISOString() : null,
        expected_tier: counting?.expectedTier ?? null,
        type: 'CacheHit',
        schema_version: this.store.upcasters.currentVersion(event.type),
        data: event.data,
        metadata: { ...request.metadata, correlationId: generationId },
        recorded_at: servedAt,
        row,
      },
      month,
    );
    const budget = this.budgets.fromRow(month, outcome.budget ?? undefined, version);
    if (!outcome.tier_held) return undefined;
    if (counting && Number(outcome.hits_then) > this.config.rateLimitPerMinute) {
      throw rateLimited(this.config.rateLimitPerMinute, counting.windowStart, counting.nowMs);
    }
    if (!outcome.appended) throw new Error(`the cache hit ${generationId} was not recorded`);
    const account = accountStatusOf(outcome, this.clock.now(), this.config.freeDailyQuota);
    const credits = creditStatusView(request.userId, account, budget, this.config.freeDailyQuota);
    return { statusCode: 201, body: { ...toGenerationView(row), credits } };
  }

  private submit(input: HitInput, month: string): Promise<HitOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, month, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.groupsInFlight < MAX_GROUPS_IN_FLIGHT && this.queue.length > 0) {
      // One month per statement (the tier and the credits are read from its row).
      const month = this.queue[0].month;
      const group = this.queue.filter((pending) => pending.month === month).slice(0, MAX_HITS_PER_GROUP);
      const taken = new Set(group);
      this.queue = this.queue.filter((pending) => !taken.has(pending));
      this.groupsInFlight += 1;
      void this.write(group).finally(() => {
        this.groupsInFlight -= 1;
        this.pump();
      });
    }
  }

  private async write(group: readonly Pending[]): Promise<void> {
    try {
      this.checkProjections();
      const outcomes = await recordCacheHits(
        this.database,
        group.map((pending) => pending.input),
        group[0].month,
        this.config.rateLimitPerMinute,
      );
      if (outcomes.some((outcome) => outcome.appended)) this.store.committedOutside();
      group.forEach((pending, index) => pending.resolve(outcomes[index]));
    } catch (error) {
      // The statement wrote nothing: each hit is tried alone, so one that fails fails alone.
      if (group.length > 1) await Promise.all(group.map((pending) => this.write([pending])));
      else group[0].reject(error);
    }
  }

  /** The statement writes the generations row itself: another inline projection of CacheHit would be skipped. */
  private checkProjections(): void {
    if (this.checkedProjections) return;
    const names = this.store
      .inlineProjections()
      .filter((projection) => projection.eventTypes.includes('CacheHit'))
      .map((projection) => projection.name);
    if (names.length !== 1 || names[0] !== 'generations') {
      throw new Error(
        `cache-hit.statement.ts applies only the generations projection to CacheHit, not ${names.join(', ')}`,
      );
    }
    this.checkedProjections = true;
  }
}
