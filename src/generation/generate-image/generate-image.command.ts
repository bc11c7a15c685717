import { Command } from '@nestjs/cqrs';
import type { Tier } from '../../config/app-config';
import type { EventMetadata } from '../../event-store/event-types';
import type { AspectRatio, GenerateParams, ImageQuality } from '../../providers/domain/image-provider';
import type { RequestedImage } from '../domain/generation-events';
import type { GenerateImageBody } from './generate-image.dto';
import type { IdempotentResult } from './idempotency';

/** The HTTP answer: 201 with the generation and the caller's credits, or a replayed first answer. */
export type GenerateImageResult = IdempotentResult;

/**
 * `POST /v1/generations`: an image for this prompt, from the prompt cache when it has one,
 * otherwise from a provider, charged to free quota or paid credits.
 */
export class GenerateImage extends Command<GenerateImageResult> {
  constructor(
    readonly userId: string,
    readonly body: GenerateImageBody,
    readonly idempotencyKey: string | undefined,
    readonly requestId: string,
  ) {
    super();
  }
}

/** A request as the generate flow carries it, defaults applied. */
export interface ImageRequest {
  readonly params: Omit<GenerateParams, 'signal'>;
  readonly requestedTier: Tier;
  readonly userId: string;
  readonly metadata: EventMetadata;
}

export function imageRequest(command: GenerateImage, defaultTier: Tier): ImageRequest {
  const { body, userId } = command;
  return {
    userId,
    requestedTier: body.tier ?? defaultTier,
    params: {
      prompt: body.prompt,
      aspectRatio: (body.aspectRatio ?? '1:1') as AspectRatio,
      style: body.style ?? null,
      quality: (body.quality ?? 'standard') as ImageQuality,
    },
    metadata: { userId, actor: `user:${userId}`, requestId: command.requestId },
  };
}

/** What every generation records about what was asked, under the cache key it is looked up by. */
export function requestedImage(request: ImageRequest, generationId: string, cacheKey: string): RequestedImage {
  return {
    generationId,
    userId: request.userId,
    prompt: request.params.prompt,
    aspectRatio: request.params.aspectRatio,
    style: request.params.style,
    quality: request.params.quality,
    requestedTier: request.requestedTier,
    cacheKey,
  };
}
