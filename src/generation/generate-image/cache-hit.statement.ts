import type { Sql } from '../../database/database';
import { insertIntoNewStreams } from '../../event-store/event-store';
import type { Tier } from '../../config/app-config';
import {
  creditStatusColumns,
  type CreditStatusRow,
} from '../../billing/read-models/account-balances/credit-status.reads';
import { generationsTable, insertCacheHitRows } from '../read-models/generations/generations.projection';
import type { GenerationRow } from '../read-models/generations/generation-view';

/** One cache hit as the statement takes it. */
export interface HitInput {
  readonly stream_id: string;
  readonly user_id: string;
  /** Counted against the rate limit under this subject in this window; null when counted already. */
  readonly subject: string | null;
  readonly window_start: string | null;
  /** The month's tier the cached image was chosen for; null when any tier would choose it. */
  readonly expected_tier: Tier | null;
  readonly type: 'CacheHit';
  readonly schema_version: number;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly recorded_at: string;
  readonly row: GenerationRow;
}

/** What the statement answers for each hit, in input order, with the user's credits after it. */
export interface HitOutcome extends CreditStatusRow {
  /** False: the month's tier changed since the hit was chosen; nothing was written or counted. */
  readonly tier_held: boolean;
  /** Its count in its rate-limit window, as if counted alone (null when not counted here). */
  readonly hits_then: number | string | null;
  /** Its CacheHit event was appended (and its generations row written). */
  readonly appended: boolean;
}

/**
 * A group of cache hits in one statement, so each hit costs one round trip and one commit shared
 * with the others: the tier check against the month's budget row, the rate-limit count (the same
 * upsert as RateLimiter's, rows in the same order, so concurrent counts never wait on each other
 * crosswise), the CacheHit events of the hits within their limit, their generations rows (the
 * inline projection's own text), and each user's credits. All of it commits or none of it does.
 */
const CACHE_HITS = `
  WITH input AS (
    SELECT * FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (
      stream_id text, user_id text, subject text, window_start timestamptz, expected_tier text, type text,
      schema_version int, data jsonb, metadata jsonb, recorded_at timestamptz, "row" jsonb)) WITH ORDINALITY AS i(
      stream_id, user_id, subject, window_start, expected_tier, type, schema_version, data, metadata, recorded_at,
      "row", ord)
  ), placed AS (
    SELECT i.*, (i.expected_tier IS NULL OR i.expected_tier =
             coalesce((SELECT m.tier FROM budget_months m WHERE m.month = $2), 'premium')) AS tier_held
      FROM input i
  ), counted AS (
    INSERT INTO rate_limit_windows (subject, window_start, hits)
    SELECT subject, window_start, count(*) FROM placed WHERE tier_held AND subject IS NOT NULL
     GROUP BY subject, window_start ORDER BY window_start, subject COLLATE "C"
    ON CONFLICT (subject, window_start) DO UPDATE SET hits = rate_limit_windows.hits + excluded.hits
    RETURNING subject, window_start, hits
  ), ranked AS (
    SELECT p.*, CASE WHEN p.tier_held AND p.subject IS NOT NULL THEN
             c.hits - count(*) OVER same_window + row_number() OVER (same_window ORDER BY p.ord) END AS hits_then
      FROM placed p LEFT JOIN counted c ON c.subject = p.subject AND c.window_start = p.window_start
    WINDOW same_window AS (PARTITION BY p.tier_held, p.subject, p.window_start)
  ), admitted AS (
    SELECT * FROM ranked WHERE tier_held AND (hits_then IS NULL OR hits_then <= $3)
  ), appended AS (
    ${insertIntoNewStreams('admitted')}
  ), projected AS (
    ${insertCacheHitRows(generationsTable.name, `(SELECT coalesce(jsonb_agg("row" ORDER BY ord), '[]') FROM admitted)`)}
  )
  SELECT r.tier_held, r.hits_then, a.stream_id IS NOT NULL AS appended, ${creditStatusColumns('b', '$2')}
    FROM ranked r
    LEFT JOIN appended a ON a.stream_id = r.stream_id
    LEFT JOIN account_balances b ON b.user_id = r.user_id
   ORDER BY r.ord`;

export function recordCacheHits(
  sql: Sql,
  hits: readonly HitInput[],
  month: string,
  perMinute: number,
): Promise<HitOutcome[]> {
  return sql.query<HitOutcome>(CACHE_HITS, [JSON.stringify(hits), month, perMinute]);
}
