import { Injectable, Logger } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { IdGenerator } from '../../common/ids';
import { DomainError } from '../../common/domain-error';
import { ReserveCredits } from '../../billing/reserve-credits/reserve-credits.command';
import { GetCreditStatus } from '../../billing/read-models/account-balances/get-credit-status.query';
import { ProviderRouter, type RoutedGeneration } from '../../providers/provider-router';
import { MediaStorage } from '../../media/storage/media-storage';
import type { ImageRef } from '../domain/generation-events';
import { generationImageKey } from '../generation-image-key';
import { GetGeneration } from '../read-models/generations/generations.queries';
import { toGenerationView, type GenerationRow } from '../read-models/generations/generation-view';
import { requestedImage, type GenerateImageResult, type ImageRequest } from './generate-image.command';
import { GenerationOutcomes } from './generation-outcomes';
import { PromptCacheLookup } from './prompt-cache-lookup';

/**
 * A cache miss: reserve -> GenerationRequested -> provider -> media -> capture with
 * GenerationSucceeded. Every failure after the reservation releases it and records
 * GenerationFailed, so a failed request charges nothing.
 */
@Injectable()
export class ProviderGeneration {
  private readonly logger = new Logger('generation');

  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly router: ProviderRouter,
    private readonly media: MediaStorage,
    private readonly cache: PromptCacheLookup,
    private readonly outcomes: GenerationOutcomes,
  ) {}

  async generate(request: ImageRequest): Promise<GenerateImageResult> {
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
    const plannedKey = this.cache.keyFor(reservation.tier, request.params);
    await this.outcomes.request(
      {
        ...requestedImage(request, generationId, plannedKey),
        tier: reservation.tier,
        downgraded: reservation.downgraded,
        reservationId: reservation.reservationId,
        charge: reservation.charge,
        reservedPriceMicros: reservation.priceMicros,
        requestedAt: this.clock.now().toISOString(),
      },
      metadata,
    );

    let routed: RoutedGeneration;
    let image: ImageRef;
    try {
      routed = await this.router.generate(reservation.tier, request.params);
      image = await this.storeImage(generationId, routed);
    } catch (error) {
      const failure = {
        generationId,
        userId: request.userId,
        code: error instanceof DomainError ? error.code : 'provider_failed',
        message: error instanceof Error ? error.message : String(error),
        provider: null,
        failedAt: this.clock.now().toISOString(),
      };
      await this.outcomes.fail(reservation, failure, metadata);
      throw error instanceof DomainError
        ? error
        : new DomainError('provider_failed', 'The image could not be generated');
    }

    const finished = await this.outcomes.complete(
      reservation,
      {
        generationId,
        userId: request.userId,
        provider: routed.provider,
        model: routed.model,
        tier: routed.tier,
        fellBack: routed.fellBack,
        cacheKey:
          routed.tier === reservation.tier ? plannedKey : this.cache.keyFor(routed.tier, request.params, routed.model),
        image,
        costMicros: routed.costMicros,
        providerRequestId: routed.image.providerRequestId,
        completedAt: this.clock.now().toISOString(),
      },
      metadata,
    );
    return this.respond(request.userId, generationId, finished);
  }

  private async storeImage(generationId: string, routed: RoutedGeneration): Promise<ImageRef> {
    try {
      const stored = await this.media.put(
        generationImageKey(generationId, routed.image.mimeType),
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

  /** The 201 answer: the generation's row (read back unless the caller has it) and the balance. */
  private async respond(userId: string, generationId: string, known?: GenerationRow): Promise<GenerateImageResult> {
    const row = known ?? (await this.queryBus.execute(new GetGeneration(generationId, userId)));
    if (!row) throw new DomainError('not_found', `No generation ${generationId}`);
    const credits = await this.queryBus.execute(new GetCreditStatus(userId));
    return { statusCode: 201, body: { ...toGenerationView(row), credits } };
  }
}
