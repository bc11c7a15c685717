import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type Tier } from '../../config/app-config';
import { Clock } from '../../common/clock';
import { IdGenerator } from '../../common/ids';
import { DomainError } from '../../common/domain-error';
import { Database } from '../../database/database';
import { EventStore } from '../../event-store/event-store';
import { registerInlineOnce } from '../../event-store/projection';
import type { EventMetadata } from '../../event-store/event-types';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Reservation } from '../../billing/reservation';
import { ReserveCredits } from '../../billing/reserve-credits/reserve-credits.command';
import {
  CaptureReservation,
  ReleaseReservation,
  SettleLateCost,
} from '../../billing/settle-reservation/settle-reservation.commands';
import { GetCreditStatus } from '../../billing/read-models/account-balances/get-credit-status.query';
import { GetBudget } from '../../billing/read-models/budget-months/get-budget.query';
import { ProviderRouter, type RoutedGeneration } from '../../providers/provider-router';
import type { AspectRatio, GenerateParams, ImageQuality } from '../../providers/domain/image-provider';
import { MediaStorage } from '../../media/storage/media-storage';
import { cacheKey } from '../domain/prompt';
import {
  generationStreamId,
  type GenerationEvent,
  type ImageRef,
  type RequestedImage,
} from '../domain/generation-events';
import { cacheHitRow, generationsProjection } from '../read-models/generations.projection';
import { toGenerationView, type GenerationRow } from '../generation-view';
import type { GenerateImageBody } from './generate-image.dto';
import { SingleFlight } from './single-flight';
import { IdempotencyStore } from './idempotency';
import { RateLimiter } from './rate-limiter';

export interface GenerateImageCommand {
  readonly userId: string;
  readonly body: GenerateImageBody;
  readonly idempotencyKey?: string;
  readonly requestId: string;
}

export interface GenerateImageResult {
  readonly statusCode: number;
  readonly body: unknown;
}

interface Request {
  readonly params: Omit<GenerateParams, 'signal'>;
  readonly requestedTier: Tier;
  readonly userId: string;
  readonly metadata: EventMetadata;
}

interface CacheEntry {
  cache_key: string;
  generation_id: string;
  provider: string;
  model: string;
  tier: Tier;
  cost_micros: number | string;
  image: ImageRef;
}

/**
 * `POST /v1/generations`: rate limit -> idempotency -> cache -> single-flight -> reserve ->
 * provider -> media -> capture + GenerationSucceeded in one transaction. Every failure after the
 * reservation releases it and records GenerationFailed, so a failed request charges nothing.
 */
@Injectable()
export class GenerateImageHandler {
  private readonly logger = new Logger('generation');
  private readonly singleFlight: SingleFlight;
  private readonly idempotency: IdempotencyStore;
  private readonly rateLimiter: RateLimiter;
  private readonly knownEntries = new BoundedMap<string, CacheEntry>(10_000);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: EventStore,
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly router: ProviderRouter,
    private readonly media: MediaStorage,
  ) {
    const timeoutMs = config.reservationTimeoutSeconds * 1000;
    this.singleFlight = new SingleFlight(database, clock, ids.uuid(), timeoutMs);
    this.idempotency = new IdempotencyStore(database, clock, timeoutMs);
    this.rateLimiter = new RateLimiter(database, clock, config.rateLimitPerMinute);
    registerInlineOnce(store, generationsProjection);
  }

  get idempotencyStore(): IdempotencyStore {
    return this.idempotency;
  }

  get rateLimits(): RateLimiter {
    return this.rateLimiter;
  }

  async execute(command: GenerateImageCommand): Promise<GenerateImageResult> {
    await this.rateLimiter.hit(`generate:${command.userId}`);
    if (!command.idempotencyKey) return this.run(command);
    const outcome = await this.idempotency.begin(
      command.userId,
      command.idempotencyKey,
      IdempotencyStore.requestHash(command.body),
    );
    if (outcome.kind === 'replay') return { statusCode: outcome.statusCode, body: outcome.response };
    try {
      const result = await this.run(command);
      await outcome.complete(result.statusCode, result.body);
      return result;
    } catch (error) {
      await outcome.abandon().catch(() => undefined);
      throw error;
    }
  }

  private async run(command: GenerateImageCommand): Promise<GenerateImageResult> {
    const { body, userId } = command;
    const request: Request = {
      userId,
      requestedTier: body.tier ?? this.config.defaultTier,
      params: {
        prompt: body.prompt,
        aspectRatio: (body.aspectRatio ?? '1:1') as AspectRatio,
        style: body.style ?? null,
        quality: (body.quality ?? 'standard') as ImageQuality,
      },
      metadata: { userId, actor: `user:${userId}`, requestId: command.requestId },
    };
    const candidates = await this.candidateTiers(request.requestedTier);
    const keys = candidates.map((tier) => this.keyFor(tier, request.params));
    const hit = await this.lookup(keys);
    if (hit) return this.serveFromCache(request, hit, keys[0]);

    const deadline = Date.now() + this.config.reservationTimeoutSeconds * 1000;
    const flight = await this.singleFlight.join(keys[0], async () => (await this.lookup(keys)) !== undefined, deadline);
    if (flight.role === 'follower') {
      const shared = await this.lookup(keys);
      if (shared) return this.serveFromCache(request, shared, keys[0]);
      return this.generate(request);
    }
    try {
      const raced = await this.lookup(keys);
      if (raced) return await this.serveFromCache(request, raced, keys[0]);
      return await this.generate(request);
    } finally {
      await flight.finish();
    }
  }

  /** Tiers whose cached images may serve this request, preferred first. */
  private async candidateTiers(requested: Tier): Promise<Tier[]> {
    if (requested === 'standard') return ['standard'];
    const { view } = await this.queryBus.execute(new GetBudget());
    return view.tier === 'premium' ? ['premium'] : ['standard'];
  }

  private keyFor(tier: Tier, params: Request['params'], model = this.router.route(tier).model): string {
    const size = this.router.route(tier).size(params);
    return cacheKey({
      prompt: params.prompt,
      aspectRatio: params.aspectRatio,
      style: params.style,
      size: `${size.width}x${size.height}`,
      quality: params.quality,
      model,
    });
  }

  /**
   * The preferred cached image for these keys. A prompt-cache entry never changes once written
   * (the first success per key wins, in commit order, live and on replay), so entries found are
   * remembered in this process; a miss is always asked again.
   */
  private async lookup(keys: readonly string[]): Promise<CacheEntry | undefined> {
    const remembered = this.knownEntries.get(keys[0]);
    if (remembered) return remembered;
    const rows = await this.database.query<CacheEntry>('SELECT * FROM prompt_cache WHERE cache_key = ANY($1::text[])', [
      keys,
    ]);
    for (const row of rows) this.knownEntries.set(row.cache_key, row);
    return keys.map((key) => rows.find((row) => row.cache_key === key)).find(Boolean);
  }

  private async serveFromCache(
    request: Request,
    entry: CacheEntry,
    requestedKey: string,
  ): Promise<GenerateImageResult> {
    const generationId = this.ids.prefixed('gen');
    const event: Extract<GenerationEvent, { type: 'CacheHit' }> = {
      type: 'CacheHit',
      data: {
        ...this.requested(request, generationId, entry.cache_key ?? requestedKey),
        sourceGenerationId: entry.generation_id,
        tier: entry.tier,
        downgraded: entry.tier !== request.requestedTier,
        provider: entry.provider,
        model: entry.model,
        image: entry.image,
        savedMicros: Number(entry.cost_micros),
        servedAt: this.clock.now().toISOString(),
      },
    };
    // A cache hit charges nothing, so the balance it answers with can be read while it is recorded.
    const [credits] = await Promise.all([
      this.queryBus.execute(new GetCreditStatus(request.userId)),
      this.store.append(generationStreamId(generationId), [event], {
        expectedVersion: 'no_stream',
        metadata: { ...request.metadata, correlationId: generationId },
      }),
    ]);
    return { statusCode: 201, body: { ...toGenerationView(cacheHitRow(event.data)), credits } };
  }

  private async generate(request: Request): Promise<GenerateImageResult> {
    const generationId = this.ids.prefixed('gen');
    const metadata = { ...request.metadata, correlationId: generationId };
    const reservation = await this.commandBus.execute(
      new ReserveCredits({
        userId: request.userId,
        requestedTier: request.requestedTier,
        premiumPriceMicros: this.router.priceFor('premium', request.params),
        standardPriceMicros: this.router.priceFor('standard', request.params),
        generationId,
        metadata,
      }),
    );
    const streamId = generationStreamId(generationId);
    const plannedKey = this.keyFor(reservation.tier, request.params);
    await this.store.append(
      streamId,
      [
        {
          type: 'GenerationRequested',
          data: {
            ...this.requested(request, generationId, plannedKey),
            tier: reservation.tier,
            downgraded: reservation.downgraded,
            reservationId: reservation.reservationId,
            charge: reservation.charge,
            reservedPriceMicros: reservation.priceMicros,
            requestedAt: this.clock.now().toISOString(),
          },
        } satisfies GenerationEvent,
      ],
      { expectedVersion: 'no_stream', metadata },
    );

    let routed: RoutedGeneration;
    let image: ImageRef;
    try {
      routed = await this.router.generate(reservation.tier, request.params);
      image = await this.storeImage(generationId, routed);
    } catch (error) {
      await this.fail(reservation, streamId, generationId, error, metadata);
      throw error instanceof DomainError
        ? error
        : new DomainError('provider_failed', 'The image could not be generated');
    }

    const finalKey =
      routed.tier === reservation.tier ? plannedKey : this.keyFor(routed.tier, request.params, routed.model);
    const succeeded = (charge: 'free' | 'paid' | 'none'): GenerationEvent => ({
      type: 'GenerationSucceeded',
      data: {
        generationId,
        userId: request.userId,
        provider: routed.provider,
        model: routed.model,
        tier: routed.tier,
        fellBack: routed.fellBack,
        cacheKey: finalKey,
        image,
        costMicros: routed.costMicros,
        charge,
        providerRequestId: routed.image.providerRequestId,
        completedAt: this.clock.now().toISOString(),
      },
    });
    let finished: GenerationRow | undefined;
    try {
      // The capture last: it updates the month's budget row, which every generation shares and
      // this transaction then holds until its commit.
      finished = await this.database.transaction(async (tx) => {
        const appended = await this.store.append(streamId, [succeeded(reservation.charge)], {
          expectedVersion: 1,
          metadata,
          tx,
        });
        await this.commandBus.execute(new CaptureReservation(reservation, routed.costMicros, metadata, tx));
        return appended.projected.get(generationsProjection.name) as GenerationRow | undefined;
      });
    } catch (error) {
      // The expiry job got there first: it released the reservation (invalid_state on capture) and
      // may have closed the generation as failed (a concurrency conflict on the success).
      if (!(error instanceof DomainError) || (error.code !== 'invalid_state' && error.code !== 'concurrency_conflict'))
        throw error;
      // The reservation timed out while the provider worked: the image is the user's, free, and
      // the provider's bill still counts against the month. The expiry job may already have closed
      // the generation as failed; the late image still completes it.
      await this.database.transaction(async (tx) => {
        await this.store.append(streamId, [succeeded('none')], { expectedVersion: 'any', metadata, tx });
        await this.commandBus.execute(new SettleLateCost(reservation, routed.costMicros, metadata, tx));
      });
    }
    return this.respond(request.userId, generationId, finished);
  }

  private async storeImage(generationId: string, routed: RoutedGeneration): Promise<ImageRef> {
    const extension =
      routed.image.mimeType === 'image/jpeg' ? 'jpg' : routed.image.mimeType === 'image/webp' ? 'webp' : 'png';
    try {
      const stored = await this.media.put(
        `generations/${generationId}.${extension}`,
        routed.image.bytes,
        routed.image.mimeType,
      );
      return {
        url: stored.url,
        width: routed.image.width,
        height: routed.image.height,
        mimeType: routed.image.mimeType,
        publicId: stored.publicId,
      };
    } catch (error) {
      this.logger.error({ generationId, message: (error as Error).message }, 'media storage failed');
      throw new DomainError('provider_failed', 'The image was generated but could not be stored; nothing was charged');
    }
  }

  private async fail(
    reservation: Reservation,
    streamId: string,
    generationId: string,
    error: unknown,
    metadata: EventMetadata,
  ): Promise<void> {
    const code = error instanceof DomainError ? error.code : 'provider_failed';
    const message = error instanceof Error ? error.message : String(error);
    try {
      await this.database.transaction(async (tx) => {
        await this.store.append(
          streamId,
          [
            {
              type: 'GenerationFailed',
              data: {
                generationId,
                userId: reservation.userId,
                code,
                message,
                provider: null,
                failedAt: this.clock.now().toISOString(),
              },
            },
          ],
          { expectedVersion: 1, metadata, tx },
        );
        // The release last, as the capture: it holds the month's budget row until the commit.
        await this.commandBus
          .execute(new ReleaseReservation(reservation, metadata, tx))
          .catch((releaseError: unknown) => {
            // Already expired and released by the job: nothing is held any more.
            if (!(releaseError instanceof DomainError) || releaseError.code !== 'invalid_state') throw releaseError;
          });
      });
    } catch (releaseError) {
      // The reservation times out and the job releases it: the user is made whole either way.
      this.logger.error(
        { generationId, message: (releaseError as Error).message },
        'releasing a failed generation failed',
      );
    }
  }

  private requested(request: Request, generationId: string, key: string): RequestedImage {
    return {
      generationId,
      userId: request.userId,
      prompt: request.params.prompt,
      aspectRatio: request.params.aspectRatio,
      style: request.params.style,
      quality: request.params.quality,
      requestedTier: request.requestedTier,
      cacheKey: key,
    };
  }

  /** The 201 answer: the generation's row (read back unless the caller has it) and the balance. */
  private async respond(userId: string, generationId: string, known?: GenerationRow): Promise<GenerateImageResult> {
    const row =
      known ?? (await this.database.query<GenerationRow>('SELECT * FROM generations WHERE id = $1', [generationId]))[0];
    const credits = await this.queryBus.execute(new GetCreditStatus(userId));
    return { statusCode: 201, body: { ...toGenerationView(row), credits } };
  }
}

/** A map that forgets its least recently used entries beyond `capacity`. */
class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }
}
