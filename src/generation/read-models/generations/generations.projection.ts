import type { Sql } from '../../../database/database';
import type { RecordedEvent } from '../../../event-store/event-types';
import type { Projection, ProjectionTable, TableNames } from '../../../event-store/projection';
import type { CacheHit, GenerationEvent } from '../../domain/generation-events';
import { promptCacheTable } from '../prompt-cache/prompt-cache.table';
import type { GenerationRow } from './generation-view';

/**
 * The generations list/detail rows and the prompt cache, written in the append's transaction:
 * the generate flow answers from them right after appending, and a cache entry must exist the
 * moment a success is committed (single-flight waiters read it next).
 */
export const generationsTable: ProjectionTable = {
  name: 'generations',
  keyColumns: ['id'],
  createSql: (table) => `
    CREATE TABLE ${table} (
      id text PRIMARY KEY,
      user_id text NOT NULL,
      status text NOT NULL,
      cached boolean NOT NULL,
      prompt text NOT NULL,
      aspect_ratio text NOT NULL,
      style text,
      quality text NOT NULL,
      requested_tier text NOT NULL,
      tier text NOT NULL,
      downgraded boolean NOT NULL,
      provider text,
      model text,
      cache_key text NOT NULL,
      charge text NOT NULL,
      cost_micros bigint NOT NULL DEFAULT 0,
      saved_micros bigint NOT NULL DEFAULT 0,
      image jsonb,
      source_generation_id text,
      error jsonb,
      created_at timestamptz NOT NULL,
      completed_at timestamptz
    )`,
};

export const generationsProjection: Projection = {
  name: 'generations',
  kind: 'inline',
  eventTypes: ['GenerationRequested', 'GenerationSucceeded', 'GenerationFailed', 'CacheHit'],
  tables: [generationsTable, promptCacheTable],
  /** Answers a success's append with the finished row, so the generate flow need not read it back. */
  async apply(tx: Sql, events: readonly RecordedEvent[], tables: TableNames): Promise<GenerationRow | undefined> {
    let finished: GenerationRow | undefined;
    for (const event of events)
      finished = (await applyOne(tx, tables, event as unknown as GenerationEvent)) ?? finished;
    return finished;
  },
};

async function applyOne(tx: Sql, t: TableNames, event: GenerationEvent): Promise<GenerationRow | undefined> {
  switch (event.type) {
    case 'GenerationRequested': {
      const d = event.data;
      await tx.query(
        `INSERT INTO ${t.generations} (id, user_id, status, cached, prompt, aspect_ratio, style, quality, requested_tier, tier,
                                  downgraded, cache_key, charge, created_at)
         VALUES ($1, $2, 'pending', false, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          d.generationId,
          d.userId,
          d.prompt,
          d.aspectRatio,
          d.style,
          d.quality,
          d.requestedTier,
          d.tier,
          d.downgraded,
          d.cacheKey,
          d.charge,
          d.requestedAt,
        ],
      );
      return;
    }
    case 'GenerationSucceeded': {
      const d = event.data;
      const [row] = await tx.query<GenerationRow>(
        `WITH cached AS (
           INSERT INTO ${t.prompt_cache} (cache_key, generation_id, provider, model, tier, cost_micros, image, created_at)
           VALUES ($9, $1, $2, $3, $4, $6, $5::jsonb, $8) ON CONFLICT (cache_key) DO NOTHING)
         UPDATE ${t.generations} SET status = 'succeeded', provider = $2, model = $3, tier = $4, image = $5::jsonb,
                cost_micros = $6, charge = $7, completed_at = $8, cache_key = $9, error = NULL
          WHERE id = $1
         RETURNING *`,
        [
          d.generationId,
          d.provider,
          d.model,
          d.tier,
          JSON.stringify(d.image),
          d.costMicros,
          d.charge,
          d.completedAt,
          d.cacheKey,
        ],
      );
      return row;
    }
    case 'GenerationFailed': {
      const d = event.data;
      await tx.query(
        `UPDATE ${t.generations} SET status = 'failed', charge = 'none', error = $2::jsonb, provider = coalesce($3, provider), completed_at = $4
          WHERE id = $1`,
        [d.generationId, JSON.stringify({ code: d.code, message: d.message }), d.provider, d.failedAt],
      );
      return;
    }
    case 'CacheHit': {
      await tx.query(insertCacheHitRows(t.generations, '$1::jsonb'), [JSON.stringify([cacheHitRow(event.data)])]);
      return;
    }
    case 'ProviderCallStarted':
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unreachable)}`);
    }
  }
}

const CACHE_HIT_COLUMNS = `id, user_id, status, cached, prompt, aspect_ratio, style, quality, requested_tier, tier,
  downgraded, provider, model, cache_key, charge, cost_micros, saved_micros, image, source_generation_id, created_at,
  completed_at`;

/**
 * Inserts cache hits' rows (`cacheHitRow`) given as a JSON array by `rowsJson`: the projection
 * applies one this way, and a cache hit's own statement a whole group, with the same text.
 */
export function insertCacheHitRows(table: string, rowsJson: string): string {
  return `INSERT INTO ${table} (${CACHE_HIT_COLUMNS})
  SELECT ${CACHE_HIT_COLUMNS} FROM jsonb_populate_recordset(NULL::${table}, ${rowsJson})`;
}

/** The row a cache hit is, complete at once: the generate flow answers with it without reading it back. */
export function cacheHitRow(d: CacheHit['data']): GenerationRow {
  return {
    id: d.generationId,
    user_id: d.userId,
    status: 'succeeded',
    cached: true,
    prompt: d.prompt,
    aspect_ratio: d.aspectRatio,
    style: d.style,
    quality: d.quality,
    requested_tier: d.requestedTier,
    tier: d.tier,
    downgraded: d.downgraded,
    provider: d.provider,
    model: d.model,
    cache_key: d.cacheKey,
    charge: 'none',
    cost_micros: 0,
    saved_micros: d.savedMicros,
    image: d.image,
    source_generation_id: d.sourceGenerationId,
    error: null,
    created_at: d.servedAt,
    completed_at: d.servedAt,
  };
}
