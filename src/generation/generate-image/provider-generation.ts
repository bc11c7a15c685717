import { Injectable, Logger } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { IdGenerator } from '../../common/ids';
import { DomainError } from '../../common/domain-error';
import { ReserveCredits } from '../../billing/reserve-credits/reserve-credits.command';
import type { Reservation } from '../../billing/reservation';
import type { Sql } from '../../database/database';
import { GetCreditStatus } from '../../billing/read-models/account-balances/get-credit-status.query';
import { attemptSpend, type ProviderAttempt } from '../../providers/domain/provider-call';
import { ProviderFailure } from '../../providers/provider-failure';
import { ProviderRouter, type RoutedGeneration } from '../../providers/provider-router';
import { MediaStorage } from '../../media/storage/media-storage';
import type { GenerationRequested, ImageRef } from '../domain/generation-events';
import { generationImageKey } from '../generation-image-key';
import { GetGeneration } from '../read-models/generations/generations.queries';
import { toGenerationView } from '../read-models/generations/generation-view';
import { requestedImage, type GenerateImageResult, type ImageRequest } from './generate-image.command';
import { CallHold } from './call-hold';
import { CachedMeanwhile, type CommitWith } from './commit-with';
import { GenerationOutcomes, type CallSpend, type Completed } from './generation-outcomes';
import { IdempotencyStore } from './idempotency';
import { PromptCacheLookup } from './prompt-cache-lookup';

/** Reading the answer after a committed capture: tried this often before the error says what was charged. */
const ANSWER_ATTEMPTS = 3;

/** A provider's answer to a request, and the cache key its image went under (Standard's after a fallback). */
export interface Generated {
  readonly result: GenerateImageResult;
  readonly servedKey: string;
}

/** What a committed Idempotency-Key record keeps to answer a retry: the generation it charged for. */
interface CommittedGeneration {
  readonly generationId: string;
}

/**
 * A cache miss: reserve -> GenerationRequested -> provider -> media -> capture with
 * GenerationSucceeded. Every provider call is recorded with the outcome. Every failure after the
 * reservation releases it and records GenerationFailed, so a failed request charges nothing, and
 * what the provider billed anyway goes to the month's budget with the release.
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
    private readonly idempotency: IdempotencyStore,
  ) {}

  /**
   * `commit`: what commits with the capture (see CommitWith).
   */
  async generate(request: ImageRequest, commit: CommitWith = {}): Promise<Generated> {
    const { claim, endFlight } = commit;
    const generationId = this.ids.prefixed('gen');
    const metadata = { ...request.metadata, correlationId: generationId };
    // The reservation and GenerationRequested commit together: one transaction for both.
    // The cache is looked at first in the transaction, before the month's budget row is held.
    const unlessCached = async (tx: Sql) => {
      const cached = commit.unlessCached && (await this.cache.find(commit.unlessCached, tx));
      if (cached) throw new CachedMeanwhile(cached);
    };
    const requested = async (tx: Sql, reservation: Reservation) => {
      const first = this.router.route(reservation.tier);
      const data: GenerationRequested['data'] = {
        ...requestedImage(request, generationId, this.cache.keyFor(reservation.tier, request.params)),
        tier: reservation.tier,
        downgraded: reservation.downgraded,
        reservationId: reservation.reservationId,
        charge: reservation.charge,
        reservedPriceMicros: reservation.priceMicros,
        requestedAt: this.clock.now().toISOString(),
        firstCall: { provider: first.name, model: first.model, priceMicros: first.price(request.params) },
      };
      return this.outcomes.request(data, metadata, tx);
    };
    const reservation = await this.commandBus.execute(
      new ReserveCredits({
        userId: request.userId,
        requestedTier: request.requestedTier,
        premiumPriceMicros: this.router.priceFor('premium', request.params),
        standardPriceMicros: this.router.priceFor('standard', request.params),
        generationId,
        metadata,
        first: commit.unlessCached ? unlessCached : undefined,
        alongside: requested,
      }),
    );
    const plannedKey = this.cache.keyFor(reservation.tier, request.params);
    const hold = new CallHold(this.outcomes, reservation, generationId, metadata, () => this.clock.now());
    const spentBy = (attempts: readonly ProviderAttempt[]): CallSpend => {
      const { billedMicros, unknownMicros } = attemptSpend(attempts);
      return { billedMicros, unknownMicros, heldMicros: hold.heldMicros };
    };
    const failed = (error: unknown, attempts: readonly ProviderAttempt[]) =>
      this.outcomes.fail(
        reservation,
        {
          generationId,
          userId: request.userId,
          code: error instanceof DomainError ? error.code : 'provider_failed',
          message: error instanceof Error ? error.message : String(error),
          provider: null,
          failedAt: this.clock.now().toISOString(),
          attempts,
        },
        spentBy(attempts),
        metadata,
      );

    let routed: RoutedGeneration;
    try {
      routed = await this.router.generate(reservation.tier, request.params, hold);
    } catch (error) {
      await failed(error, error instanceof ProviderFailure ? error.attempts : []);
      throw error instanceof DomainError
        ? error
        : new DomainError('provider_failed', 'The image could not be generated');
    }
    let image: ImageRef;
    try {
      image = await this.storeImage(generationId, routed);
    } catch (error) {
      // The provider billed an image nobody received: the user pays nothing, the budget counts it.
      await failed(error, routed.attempts);
      throw error;
    }

    const servedKey =
      routed.tier === reservation.tier ? plannedKey : this.cache.keyFor(routed.tier, request.params, routed.model);
    let finished: Completed;
    try {
      finished = await this.outcomes.complete(
        reservation,
        {
          generationId,
          userId: request.userId,
          provider: routed.provider,
          model: routed.model,
          tier: routed.tier,
          fellBack: routed.fellBack,
          cacheKey: servedKey,
          image,
          costMicros: routed.costMicros,
          providerRequestId: routed.image.providerRequestId,
          completedAt: this.clock.now().toISOString(),
          attempts: routed.attempts,
        },
        spentBy(routed.attempts),
        metadata,
        async (tx, id) => {
          if (claim) await this.idempotency.commitIn(tx, claim, { generationId: id } satisfies CommittedGeneration);
          await endFlight?.(tx, servedKey);
        },
      );
    } catch (error) {
      // The capture did not commit (or its commit was not confirmed): the user is not charged
      // for an image they did not receive, and the provider's bill goes to the budget. Had the
      // commit happened after all, the generation is succeeded and this records nothing.
      await failed(error, routed.attempts);
      throw error;
    }
    return { result: await this.committed(request.userId, generationId, finished), servedKey };
  }

  /** The answer to a retry of a request whose charge committed: its generation as it stands now. */
  async answerCommitted(userId: string, recorded: unknown): Promise<GenerateImageResult> {
    const { generationId } = recorded as CommittedGeneration;
    return this.respond(userId, generationId);
  }

  /**
   * The 201 answer once the capture committed: the user was charged, so the answer is the success.
   * Reading the balance is retried; should it still fail, the error names the generation (and a
   * retry with the same Idempotency-Key answers with the success).
   */
  private async committed(userId: string, generationId: string, known: Completed): Promise<GenerateImageResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.respond(userId, generationId, known);
      } catch (error) {
        if (attempt < ANSWER_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
          continue;
        }
        this.logger.error({ generationId, message: (error as Error).message }, 'answering a charged generation failed');
        throw new DomainError(
          'internal_error',
          `The image was generated and charged as generation ${generationId}, but the answer could not be read; ` +
            'retry with the same Idempotency-Key, or read it with GET /v1/generations/{id}',
          { generationId },
        );
      }
    }
  }

  private async storeImage(generationId: string, routed: RoutedGeneration): Promise<ImageRef> {
    try {
      const stored = await this.media.put(
        generationImageKey(generationId, routed.image.mimeType),
        routed.image.bytes,
        routed.image.mimeType,
        { width: routed.image.width, height: routed.image.height },
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

  /** The 201 answer: the generation's row and the credits, from what the commit answered, else read back. */
  private async respond(userId: string, generationId: string, known: Completed = {}): Promise<GenerateImageResult> {
    const row = known.row ?? (await this.queryBus.execute(new GetGeneration(generationId, userId)));
    if (!row) throw new DomainError('not_found', `No generation ${generationId}`);
    const credits = await this.queryBus.execute(new GetCreditStatus(userId, undefined, known.balance));
    return { statusCode: 201, body: { ...toGenerationView(row), credits } };
  }
}
