import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `usage_log`, the seed's table, as a view over the events, so the seed's analytics SQL keeps
 * working unchanged. It reads stored payloads as they are: a new event schema version needs a
 * migration that redefines the view (the projections see upcast events, this view does not).
 *
 * A free unit is consumed when its reservation is captured: QuotaConsumed is recorded at
 * reservation time and a failed generation gives the unit back, so the seed's QUOTA_CONSUMED (one
 * per free image delivered) is the captured free reservation, as CREDITS_DEBITED is the paid one.
 * Money is in dollars, as the seed stored it; `created_at` is `recorded_at`, the day analytics use.
 */
export class UsageLogView1764000000800 implements MigrationInterface {
  name = 'UsageLogView1764000000800';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE VIEW usage_log AS
      SELECT global_position AS id,
             coalesce(data->>'userId', metadata->>'userId') AS user_id,
             CASE type
               WHEN 'GenerationSucceeded' THEN 'GEN_SUCCESS'
               WHEN 'GenerationFailed' THEN 'GEN_FAILED'
               WHEN 'CacheHit' THEN 'CACHE_HIT'
               WHEN 'ReservationCaptured' THEN CASE data->>'kind' WHEN 'free' THEN 'QUOTA_CONSUMED' ELSE 'CREDITS_DEBITED' END
               WHEN 'CreditsGranted' THEN 'CREDITS_GRANTED'
               WHEN 'TierDowngraded' THEN 'TIER_DOWNGRADED'
             END AS event,
             CASE type
               WHEN 'GenerationSucceeded' THEN jsonb_build_object(
                 'cost', round((data->>'costMicros')::numeric / 1000000, 6), 'provider', data->'provider',
                 'model', data->'model', 'tier', data->'tier', 'promptHash', data->'cacheKey',
                 'charge', data->'charge', 'generationId', data->'generationId')
               WHEN 'GenerationFailed' THEN jsonb_build_object(
                 'code', data->'code', 'message', data->'message', 'generationId', data->'generationId')
               WHEN 'CacheHit' THEN jsonb_build_object(
                 'saved', round((data->>'savedMicros')::numeric / 1000000, 6), 'promptHash', data->'cacheKey',
                 'provider', data->'provider', 'model', data->'model', 'tier', data->'tier',
                 'generationId', data->'generationId', 'sourceGenerationId', data->'sourceGenerationId')
               WHEN 'ReservationCaptured' THEN jsonb_build_object(
                 'credits', data->'credits', 'reservationId', data->'reservationId')
               WHEN 'CreditsGranted' THEN jsonb_build_object(
                 'credits', data->'credits', 'reason', data->'reason', 'grantId', data->'grantId')
               WHEN 'TierDowngraded' THEN jsonb_build_object(
                 'spend', round((data->>'spendMicros')::numeric / 1000000, 6),
                 'cap', round((data->>'capMicros')::numeric / 1000000, 6), 'reason', data->'reason')
             END AS meta,
             recorded_at AS created_at
        FROM events
       WHERE type IN ('GenerationSucceeded', 'GenerationFailed', 'CacheHit', 'ReservationCaptured', 'CreditsGranted', 'TierDowngraded')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP VIEW usage_log');
  }
}
