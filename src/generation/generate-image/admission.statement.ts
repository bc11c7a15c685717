import type { Database } from '../../database/database';
import type { BudgetMonthRow } from '../../billing/read-models/budget-months/budget-months.table';
import type { Tier } from '../../config/app-config';
import type { CachedImage } from '../read-models/prompt-cache/prompt-cache.table';
import { leadFlightSql } from './single-flight';

/** What a request needs before it can be admitted to the provider path, asked in one statement. */
export interface AdmissionInput {
  readonly month: string;
  /** Counted against the rate limit under this subject in this window; null when counted already. */
  readonly subject: string | null;
  readonly windowStart: string | null;
  readonly perMinute: number;
  readonly requestedTier: Tier;
  /** The request's cache key for each tier that may serve it (the same key twice for Standard). */
  readonly standardKey: string;
  readonly premiumKey: string;
  /** The single flight's claim: this process, now, and when another process's row is stale. */
  readonly owner: string;
  readonly startedAt: string;
  readonly staleBefore: string;
}

export interface Admission {
  /** The month's budget row as this statement read it (undefined before the month's first reservation). */
  readonly budget: BudgetMonthRow | undefined;
  /** The request's count in its rate-limit window (undefined when not counted here). */
  readonly hits: number | undefined;
  /** The key the month's tier chose: Standard's for a Standard request or a downgraded month. */
  readonly key: string;
  /** The cached image under that key, when there is one. */
  readonly cached: CachedImage | undefined;
  /** True: this request leads the key's single flight (it inserted or took over the in-flight row). */
  readonly leads: boolean;
}

/**
 * A cache miss's first round trip: the rate-limit count (the same upsert as RateLimiter's), the
 * month's budget row, the cache key its tier chooses, that key's prompt-cache entry, and, when
 * there is no entry and the request is within its limit, the single flight's in-flight row (the
 * same insert as SingleFlight's). Before, these were four round trips and four commits.
 */
const ADMISSION = `
  WITH budget AS (SELECT m FROM budget_months m WHERE m.month = $1),
  counted AS (
    INSERT INTO rate_limit_windows (subject, window_start, hits)
    SELECT $2::text, $3::timestamptz, 1 WHERE $2::text IS NOT NULL
    ON CONFLICT (subject, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1
    RETURNING hits),
  chosen AS (
    SELECT CASE WHEN $5::text = 'standard' OR coalesce((SELECT (m).tier FROM budget), 'premium') = 'standard'
                THEN $6::text ELSE $7::text END AS key),
  cached AS (SELECT c FROM prompt_cache c WHERE c.cache_key = (SELECT key FROM chosen)),
  led AS (${leadFlightSql(
    `SELECT key, $8::text, $9::timestamptz FROM chosen
     WHERE NOT EXISTS (SELECT 1 FROM cached) AND coalesce((SELECT hits FROM counted), 0) <= $4::int`,
    '$10::timestamptz',
  )})
  SELECT (SELECT to_jsonb(m) FROM budget) AS budget, (SELECT hits FROM counted) AS hits,
         (SELECT key FROM chosen) AS key, (SELECT to_jsonb(c) FROM cached) AS cached,
         EXISTS (SELECT 1 FROM led) AS leads`;

export async function admit(database: Database, input: AdmissionInput): Promise<Admission> {
  const [row] = await database.query<{
    budget: BudgetMonthRow | null;
    hits: number | string | null;
    key: string;
    cached: CachedImage | null;
    leads: boolean;
  }>(ADMISSION, [
    input.month,
    input.subject,
    input.windowStart,
    input.perMinute,
    input.requestedTier,
    input.standardKey,
    input.premiumKey,
    input.owner,
    input.startedAt,
    input.staleBefore,
  ]);
  return {
    budget: row.budget ?? undefined,
    hits: row.hits === null ? undefined : Number(row.hits),
    key: row.key,
    cached: row.cached ?? undefined,
    leads: row.leads,
  };
}
