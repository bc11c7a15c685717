import type { Sql } from '../../database/database';
import type { RecordedEvent } from '../../event-store/event-types';
import type { Recorded } from './recorded';
import type { Projection, TableNames } from '../../event-store/projection';
import type { GenerationEvent } from '../../generation/domain/generation-events';
import { utcDayOf } from '../../common/utc-time';
import { SumBatch } from './sum-upsert';

export const USAGE_PROJECTION = 'analytics_usage';

export const USAGE_TABLES = {
  daily: 'analytics_daily_usage',
  users: 'analytics_daily_users',
  failures: 'analytics_daily_failures',
  inFlight: 'analytics_generations_in_flight',
  latency: 'analytics_generation_latency',
} as const;

/**
 * Upper bounds (seconds) of the request-to-success latency buckets; `+Inf` takes the rest.
 * Premium images take 10-30 s, Standard ones 1-3 s, so both ends need resolution.
 */
export const LATENCY_BUCKETS_SECONDS = [0.5, 1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 120] as const;

function latencyBucket(seconds: number): string {
  const bound = LATENCY_BUCKETS_SECONDS.find((le) => seconds <= le);
  return bound === undefined ? '+Inf' : String(bound);
}

/**
 * Usage by UTC day of the event's `recorded_at` (the injected clock), which is also the day the
 * usage_log view reports: a generation counts on the day it succeeded, a cache hit on the day it
 * was served. Every row is a sum over events, so any batching gives the same rows.
 */
export const usageProjection: Projection = {
  name: USAGE_PROJECTION,
  kind: 'async',
  eventTypes: ['GenerationRequested', 'GenerationSucceeded', 'GenerationFailed', 'CacheHit'],
  tables: [
    {
      name: USAGE_TABLES.daily,
      keyColumns: ['day', 'tier', 'provider'],
      createSql: (table) => `CREATE TABLE ${table} (
        day text NOT NULL, tier text NOT NULL, provider text NOT NULL,
        generations integer NOT NULL, cache_hits integer NOT NULL,
        spend_micros bigint NOT NULL, saved_micros bigint NOT NULL,
        free_generations integer NOT NULL, paid_generations integer NOT NULL,
        PRIMARY KEY (day, tier, provider))`,
    },
    {
      name: USAGE_TABLES.users,
      keyColumns: ['day', 'user_id'],
      createSql: (table) => `CREATE TABLE ${table} (
        day text NOT NULL, user_id text NOT NULL, generations integer NOT NULL, cache_hits integer NOT NULL,
        PRIMARY KEY (day, user_id))`,
    },
    {
      name: USAGE_TABLES.failures,
      keyColumns: ['day', 'tier', 'code'],
      createSql: (table) => `CREATE TABLE ${table} (
        day text NOT NULL, tier text NOT NULL, code text NOT NULL, failures integer NOT NULL,
        PRIMARY KEY (day, tier, code))`,
    },
    {
      // Requested and not yet finished: where a finished generation's request time and tier come from.
      name: USAGE_TABLES.inFlight,
      keyColumns: ['generation_id'],
      createSql: (table) => `CREATE TABLE ${table} (
        generation_id text PRIMARY KEY, tier text NOT NULL, requested_at timestamptz NOT NULL)`,
    },
    {
      name: USAGE_TABLES.latency,
      keyColumns: ['provider', 'tier', 'le'],
      createSql: (table) => `CREATE TABLE ${table} (
        provider text NOT NULL, tier text NOT NULL, le text NOT NULL,
        observations bigint NOT NULL, total_ms bigint NOT NULL,
        PRIMARY KEY (provider, tier, le))`,
    },
  ],
  apply: applyUsage,
};

async function applyUsage(tx: Sql, recorded: readonly RecordedEvent[], tables: TableNames): Promise<void> {
  const events = recorded as ReadonlyArray<Recorded<GenerationEvent>>;
  const requested = events.filter((event) => event.type === 'GenerationRequested');
  if (requested.length > 0) {
    await tx.query(
      `INSERT INTO ${tables[USAGE_TABLES.inFlight]} (generation_id, tier, requested_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[]) ON CONFLICT (generation_id) DO NOTHING`,
      [
        requested.map((e) => e.data.generationId),
        requested.map((e) => e.data.tier),
        requested.map((e) => e.recordedAt.toISOString()),
      ],
    );
  }
  const finished = events.filter((event) => event.type === 'GenerationSucceeded' || event.type === 'GenerationFailed');
  const started = new Map<string, { tier: string; requestedAt: Date }>();
  if (finished.length > 0) {
    const rows = await tx.query<{ generation_id: string; tier: string; requested_at: Date | string }>(
      `DELETE FROM ${tables[USAGE_TABLES.inFlight]} WHERE generation_id = ANY($1::text[]) RETURNING generation_id, tier, requested_at`,
      [finished.map((e) => e.data.generationId)],
    );
    for (const row of rows) started.set(row.generation_id, { tier: row.tier, requestedAt: new Date(row.requested_at) });
  }

  const daily = new SumBatch(
    ['day', 'tier', 'provider'],
    ['generations', 'cache_hits', 'spend_micros', 'saved_micros', 'free_generations', 'paid_generations'],
  );
  const users = new SumBatch(['day', 'user_id'], ['generations', 'cache_hits']);
  const failures = new SumBatch(['day', 'tier', 'code'], ['failures']);
  const latency = new SumBatch(['provider', 'tier', 'le'], ['observations', 'total_ms']);
  for (const event of events) {
    const day = utcDayOf(event.recordedAt);
    switch (event.type) {
      case 'GenerationSucceeded': {
        const { tier, provider, costMicros, charge, userId, generationId } = event.data;
        daily.add([day, tier, provider], {
          generations: 1,
          spend_micros: costMicros,
          free_generations: charge === 'free' ? 1 : 0,
          paid_generations: charge === 'paid' ? 1 : 0,
        });
        users.add([day, userId], { generations: 1 });
        const start = started.get(generationId);
        if (start) {
          const ms = Math.max(0, event.recordedAt.getTime() - start.requestedAt.getTime());
          latency.add([provider, tier, latencyBucket(ms / 1000)], { observations: 1, total_ms: ms });
        }
        break;
      }
      case 'CacheHit': {
        const { tier, provider, savedMicros, userId } = event.data;
        daily.add([day, tier, provider], { cache_hits: 1, saved_micros: savedMicros });
        users.add([day, userId], { cache_hits: 1 });
        break;
      }
      case 'GenerationFailed':
        failures.add([day, started.get(event.data.generationId)?.tier ?? 'unknown', event.data.code], { failures: 1 });
        break;
      case 'GenerationRequested':
      case 'ProviderCallStarted':
        break;
      default: {
        const unreachable: never = event;
        throw new Error(`Unhandled event ${JSON.stringify(unreachable)}`);
      }
    }
  }
  await daily.upsert(tx, tables[USAGE_TABLES.daily]);
  await users.upsert(tx, tables[USAGE_TABLES.users]);
  await failures.upsert(tx, tables[USAGE_TABLES.failures]);
  await latency.upsert(tx, tables[USAGE_TABLES.latency]);
}
