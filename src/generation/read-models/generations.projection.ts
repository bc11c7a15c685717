import type { Sql } from '../../database/database';
import type { InlineProjection } from '../../event-store/event-store';
import type { RecordedEvent } from '../../event-store/event-types';
import type { GenerationEvent } from '../domain/generation-events';

/**
 * The generations list/detail rows and the prompt cache, written in the append's transaction:
 * the generate flow answers from them right after appending, and a cache entry must exist the
 * moment a success is committed (single-flight waiters read it next).
 */
export const generationsProjection: InlineProjection = {
  name: 'generations',
  eventTypes: ['GenerationRequested', 'GenerationSucceeded', 'GenerationFailed', 'CacheHit'],
  async apply(tx: Sql, events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) await applyOne(tx, event as unknown as GenerationEvent);
  },
};

async function applyOne(tx: Sql, event: GenerationEvent): Promise<void> {
  switch (event.type) {
    case 'GenerationRequested': {
      const d = event.data;
      await tx.query(
        `INSERT INTO generations (id, user_id, status, cached, prompt, aspect_ratio, style, quality, requested_tier, tier,
                                  downgraded, cache_key, charge, created_at)
         VALUES ($1, $2, 'pending', false, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [d.generationId, d.userId, d.prompt, d.aspectRatio, d.style, d.quality, d.requestedTier, d.tier, d.downgraded, d.cacheKey, d.charge, d.requestedAt],
      );
      return;
    }
    case 'GenerationSucceeded': {
      const d = event.data;
      await tx.query(
        `UPDATE generations SET status = 'succeeded', provider = $2, model = $3, tier = $4, image = $5::jsonb,
                cost_micros = $6, charge = $7, completed_at = $8, cache_key = $9
          WHERE id = $1`,
        [d.generationId, d.provider, d.model, d.tier, JSON.stringify(d.image), d.costMicros, d.charge, d.completedAt, d.cacheKey],
      );
      await tx.query(
        `INSERT INTO prompt_cache (cache_key, generation_id, provider, model, tier, cost_micros, image, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) ON CONFLICT (cache_key) DO NOTHING`,
        [d.cacheKey, d.generationId, d.provider, d.model, d.tier, d.costMicros, JSON.stringify(d.image), d.completedAt],
      );
      return;
    }
    case 'GenerationFailed': {
      const d = event.data;
      await tx.query(
        `UPDATE generations SET status = 'failed', charge = 'none', error = $2::jsonb, provider = coalesce($3, provider), completed_at = $4
          WHERE id = $1`,
        [d.generationId, JSON.stringify({ code: d.code, message: d.message }), d.provider, d.failedAt],
      );
      return;
    }
    case 'CacheHit': {
      const d = event.data;
      await tx.query(
        `INSERT INTO generations (id, user_id, status, cached, prompt, aspect_ratio, style, quality, requested_tier, tier,
                                  downgraded, provider, model, cache_key, charge, cost_micros, saved_micros, image,
                                  source_generation_id, created_at, completed_at)
         VALUES ($1, $2, 'succeeded', true, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'none', 0, $13, $14::jsonb, $15, $16, $16)`,
        [d.generationId, d.userId, d.prompt, d.aspectRatio, d.style, d.quality, d.requestedTier, d.tier, d.downgraded, d.provider,
          d.model, d.cacheKey, d.savedMicros, JSON.stringify(d.image), d.sourceGenerationId, d.servedAt],
      );
      return;
    }
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unreachable)}`);
    }
  }
}
