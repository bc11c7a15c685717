import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import type { CachedImage } from '../read-models/prompt-cache/prompt-cache.table';
import { CacheHits } from './cache-hits';
import { GenerateImage, imageRequest, type GenerateImageResult, type ImageRequest } from './generate-image.command';
import { IdempotencyStore, type IdempotencyClaim } from './idempotency';
import { PromptCacheLookup } from './prompt-cache-lookup';
import { Admissions } from './admission';
import { CachedMeanwhile } from './commit-with';
import { ProviderGeneration } from './provider-generation';
import { generationSubject, RateLimiter } from './rate-limiter';
import { SingleFlight } from './single-flight';

/**
 * `POST /v1/generations`: a cached image this process remembers, for a request without
 * Idempotency-Key, in one statement (CacheHits); otherwise (rate limit -> idempotency when keyed) ->
 * admission (rate limit, month's tier, prompt cache and single flight in one statement) -> a
 * provider call (ProviderGeneration) when no cached image can serve it.
 */
@CommandHandler(GenerateImage)
export class GenerateImageHandler implements ICommandHandler<GenerateImage, GenerateImageResult> {
  private readonly logger = new Logger('generation');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rateLimiter: RateLimiter,
    private readonly idempotency: IdempotencyStore,
    private readonly singleFlight: SingleFlight,
    private readonly cache: PromptCacheLookup,
    private readonly admissions: Admissions,
    private readonly provider: ProviderGeneration,
    private readonly hits: CacheHits,
  ) {}

  async execute(command: GenerateImage): Promise<GenerateImageResult> {
    if (!command.idempotencyKey) {
      const served = await this.hits.serveRemembered(command);
      if (served) return served;
    }
    // Counted in the admission's statement, unless the key is claimed first (then counted before it).
    if (!command.idempotencyKey) return this.run(command);
    await this.rateLimiter.hit(generationSubject(command.userId));
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
    const admitted = await this.admissions.admit(request, { count: !command.idempotencyKey });
    if (admitted.cached) return this.serveFromCache(request, admitted.cached);
    const keys = [admitted.key];

    // Followers wait on the request's own key, whichever tier ends up serving it.
    const deadline = Date.now() + this.config.reservationTimeoutSeconds * 1000;
    const flight =
      admitted.leader ??
      (await this.singleFlight.join(
        admitted.key,
        async (servedKey) => (await this.cache.find(withServed(keys, servedKey))) !== undefined,
        deadline,
        { triedToLead: true },
      ));
    if (flight.role === 'follower') {
      const shared = await this.cache.find(withServed(keys, flight.servedKey));
      return shared ? this.serveFromCache(request, shared) : (await this.provider.generate(request, { claim })).result;
    }
    let servedKey: string | undefined;
    let endedInCommit = false;
    try {
      // The flight ends in the capture's transaction; `finish` below then only wakes waiters here.
      // The cache is looked at again in the reservation's transaction: a flight that finished
      // between the look above and this one's start has the image.
      const generated = await this.provider.generate(request, { claim, endFlight: flight.endIn, unlessCached: keys });
      servedKey = generated.servedKey;
      endedInCommit = true;
      return generated.result;
    } catch (error) {
      if (error instanceof CachedMeanwhile) return await this.serveFromCache(request, error.entry);
      throw error;
    } finally {
      // The answer stands whatever happens here: a row left behind is taken over once stale.
      await flight.finish(servedKey, endedInCommit).catch((error: unknown) => {
        this.logger.error({ cacheKey: keys[0], message: (error as Error).message }, 'ending a single flight failed');
      });
    }
  }

  private serveFromCache(request: ImageRequest, entry: CachedImage): Promise<GenerateImageResult> {
    return this.hits.serve(request, entry);
  }
}

/** The request's cache keys, and the key its flight's leader was served under when that is another. */
function withServed(keys: readonly string[], servedKey: string | undefined): string[] {
  return servedKey === undefined || keys.includes(servedKey) ? [...keys] : [...keys, servedKey];
}
