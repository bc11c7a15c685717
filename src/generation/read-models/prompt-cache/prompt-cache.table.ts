import type { Tier } from '../../../config/app-config';
import type { ProjectionTable } from '../../../event-store/projection';
import type { ImageRef } from '../../domain/generation-events';

/**
 * The prompt cache: the first successful image per cache key, written by the generations
 * projection in the same statement that completes the generation.
 */
export const promptCacheTable: ProjectionTable = {
  name: 'prompt_cache',
  keyColumns: ['cache_key'],
  createSql: (table) => `
    CREATE TABLE ${table} (
      cache_key text PRIMARY KEY,
      generation_id text NOT NULL,
      provider text NOT NULL,
      model text NOT NULL,
      tier text NOT NULL,
      cost_micros bigint NOT NULL,
      image jsonb NOT NULL,
      created_at timestamptz NOT NULL
    )`,
};

export interface CachedImage {
  readonly cache_key: string;
  readonly generation_id: string;
  readonly provider: string;
  readonly model: string;
  readonly tier: Tier;
  readonly cost_micros: number | string;
  readonly image: ImageRef;
}
