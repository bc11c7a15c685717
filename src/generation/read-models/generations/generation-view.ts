import { microsToDollars } from '../../../billing/domain/money';
import type { ImageRef } from '../../domain/generation-events';

export interface GenerationRow {
  id: string;
  user_id: string;
  status: 'pending' | 'succeeded' | 'failed';
  cached: boolean;
  prompt: string;
  aspect_ratio: string;
  style: string | null;
  quality: string;
  requested_tier: string;
  tier: string;
  downgraded: boolean;
  provider: string | null;
  model: string | null;
  cache_key: string;
  charge: string;
  cost_micros: number | string;
  saved_micros: number | string;
  image: ImageRef | null;
  source_generation_id: string | null;
  error: { code: string; message: string } | null;
  created_at: Date | string;
  completed_at: Date | string | null;
}

/** A generation as the API shows it (API.md `POST /v1/generations` 201 body, without `credits`). */
export function toGenerationView(row: GenerationRow) {
  return {
    id: row.id,
    status: row.status,
    cached: row.cached,
    tier: row.tier,
    requestedTier: row.requested_tier,
    downgraded: row.tier !== row.requested_tier,
    provider: row.provider,
    model: row.model,
    image: row.image
      ? { url: row.image.url, width: row.image.width, height: row.image.height, mimeType: row.image.mimeType }
      : null,
    costUsd: microsToDollars(Number(row.cost_micros)),
    charge: row.charge,
    promptHash: row.cache_key,
    prompt: row.prompt,
    aspectRatio: row.aspect_ratio,
    style: row.style,
    quality: row.quality,
    ...(row.cached
      ? { savedUsd: microsToDollars(Number(row.saved_micros)), sourceGenerationId: row.source_generation_id }
      : {}),
    ...(row.error ? { error: row.error } : {}),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export type GenerationView = ReturnType<typeof toGenerationView>;
