import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../common/clock';
import { IdGenerator } from '../../common/ids';
import { GetCreditStatus } from '../../billing/read-models/account-balances/get-credit-status.query';
import type { CacheHit } from '../domain/generation-events';
import { cacheHitRow } from '../read-models/generations/generations.projection';
import { toGenerationView } from '../read-models/generations/generation-view';
import type { CachedImage } from '../read-models/prompt-cache/prompt-cache.table';
import {
  GenerateImage,
  imageRequest,
  requestedImage,
  type GenerateImageResult,
  type ImageRequest,
} from './generate-image.command';
import { GenerationOutcomes } from './generation-outcomes';
import { IdempotencyStore, type IdempotencyClaim } from './idempotency';
import { PromptCacheLookup } from './prompt-cache-lookup';
import { ProviderGeneration } from './provider-generation';
import { RateLimiter } from './rate-limiter';
import { SingleFlight } from './single-flight';

/**
 * `POST /v1/generations`: rate limit -> idempotency -> prompt cache -> single-flight -> a provider
 * call (ProviderGeneration) when no cached image can serve the request.
 */
@CommandHandler(GenerateImage)
export class GenerateImageHandler implements ICommandHandler<GenerateImage, GenerateImageResult> {
  private readonly logger = new Logger('generation');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly queryBus: QueryBus,
    private readonly rateLimiter: RateLimiter,
    private readonly idempotency: IdempotencyStore,
    private readonly singleFlight: SingleFlight,
    private readonly cache: PromptCacheLookup,
    private readonly provider: ProviderGeneration,
    private readonly outcomes: GenerationOutcomes,
  ) {}

  async execute(command: GenerateImage): Promise<GenerateImageResult> {
    await this.rateLimiter.hit(`generate:${command.userId}`);
    if (!command.idempotencyKey) return this.run(command);
    return this.idempotency.once(
      command.userId,
      command.idempotencyKey,
      command.body,
      (claim) => this.run(command, claim),
      (recorded) => this.provider.answerCommitted(command.userId, recorded),
    );
  }

  private async run(command: GenerateImage, claim?: IdempotencyClaim): Promise<GenerateImageResult> {
    const request = imageRequest(command, this.config.defaultTier);
    const keys = await this.cache.keysFor(request);
    const hit = await this.cache.find(keys);
    if (hit) return this.serveFromCache(request, hit);

    // Followers wait on the request's own key, whichever tier ends up serving it.
    const deadline = Date.now() + this.config.reservationTimeoutSeconds * 1000;
    const flight = await this.singleFlight.join(
      keys[0],
      async (servedKey) => (await this.cache.find(withServed(keys, servedKey))) !== undefined,
      deadline,
    );
    if (flight.role === 'follower') {
      const shared = await this.cache.find(withServed(keys, flight.servedKey));
      return shared ? this.serveFromCache(request, shared) : (await this.provider.generate(request, { claim })).result;
    }
    let servedKey: string | undefined;
    let endedInCommit = false;
    try {
      const raced = await this.cache.find(keys);
      if (raced) return await this.serveFromCache(request, raced);
      // The flight ends in the capture's transaction; `finish` below then only wakes waiters here.
      const generated = await this.provider.generate(request, { claim, endFlight: flight.endIn });
      servedKey = generated.servedKey;
      endedInCommit = true;
      return generated.result;
    } finally {
      // The answer stands whatever happens here: a row left behind is taken over once stale.
      await flight.finish(servedKey, endedInCommit).catch((error: unknown) => {
        this.logger.error({ cacheKey: keys[0], message: (error as Error).message }, 'ending a single flight failed');
      });
    }
  }

  private async serveFromCache(request: ImageRequest, entry: CachedImage): Promise<GenerateImageResult> {
    const generationId = this.ids.prefixed('gen');
    const hit: CacheHit['data'] = {
      ...requestedImage(request, generationId, entry.cache_key),
      sourceGenerationId: entry.generation_id,
      tier: entry.tier,
      downgraded: entry.tier !== request.requestedTier,
      provider: entry.provider,
      model: entry.model,
      image: entry.image,
      savedMicros: Number(entry.cost_micros),
      servedAt: this.clock.now().toISOString(),
    };
    // A cache hit charges nothing, so the balance it answers with can be read while it is recorded.
    const [credits] = await Promise.all([
      this.queryBus.execute(new GetCreditStatus(request.userId)),
      this.outcomes.cacheHit(hit, { ...request.metadata, correlationId: generationId }),
    ]);
    return { statusCode: 201, body: { ...toGenerationView(cacheHitRow(hit)), credits } };
  }
}

/** The request's cache keys, and the key its flight's leader was served under when that is another. */
function withServed(keys: readonly string[], servedKey: string | undefined): string[] {
  return servedKey === undefined || keys.includes(servedKey) ? [...keys] : [...keys, servedKey];
}
