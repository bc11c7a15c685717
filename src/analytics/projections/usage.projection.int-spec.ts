import type { Database } from '../../database/database';
import type { RecordedEvent } from '../../event-store/event-types';
import type { TableNames } from '../../event-store/projection';
import { openTestDatabase } from '../../../test/support/test-app';
import { recorded } from '../../../test/support/projection-rows';
import { budgetProjection, BUDGET_CHANGES_TABLE } from './budget.projection';
import { USAGE_TABLES, usageProjection } from './usage.projection';

const requested = (id: string, at: string, tier = 'premium') =>
  recorded('GenerationRequested', `generation-${id}`, at, { generationId: id, userId: 'u1', tier });
const succeeded = (
  id: string,
  at: string,
  figures: { tier?: string; provider?: string; costMicros?: number; charge?: string; userId?: string } = {},
) =>
  recorded('GenerationSucceeded', `generation-${id}`, at, {
    generationId: id,
    userId: figures.userId ?? 'u1',
    tier: figures.tier ?? 'premium',
    provider: figures.provider ?? 'openai',
    costMicros: figures.costMicros ?? 40_000,
    charge: figures.charge ?? 'free',
  });
const failed = (id: string, at: string) =>
  recorded('GenerationFailed', `generation-${id}`, at, { generationId: id, userId: 'u2', code: 'provider_failed' });
const hit = (id: string, at: string, userId: string) =>
  recorded('CacheHit', `generation-${id}`, at, {
    generationId: id,
    userId,
    tier: 'premium',
    provider: 'openai',
    savedMicros: 40_000,
  });

/** Requests, successes that cross midnight UTC, a failure and hits, in commit order. */
const EVENTS = [
  requested('g1', '2026-11-03T23:59:50Z'),
  succeeded('g1', '2026-11-04T00:00:10Z'),
  requested('g2', '2026-11-04T10:00:00Z', 'standard'),
  succeeded('g2', '2026-11-04T10:00:02Z', { tier: 'standard', provider: 'fal', costMicros: 3_000, charge: 'paid' }),
  hit('g3', '2026-11-04T11:00:00Z', 'u2'),
  requested('g4', '2026-11-04T12:00:00Z'),
  failed('g4', '2026-11-04T12:00:30Z'),
  hit('g5', '2026-11-05T09:00:00Z', 'u1'),
  requested('g6', '2026-11-05T09:30:00Z'),
];

describe.each([
  ['PostgreSQL when available', false],
  ['the embedded database', true],
])('analytics projections on %s: given events, then rows', (_label, embedded) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase({ label: 'usage_projection', embedded });
    await database.migrate();
  });
  afterAll(async () => database.close());

  /** Applies the events in batches of `size` into fresh tables named with `suffix`; returns every row. */
  async function project(
    events: readonly RecordedEvent[],
    size: number,
    suffix: string,
  ): Promise<Record<string, unknown[]>> {
    const projections = [usageProjection, budgetProjection];
    const names: TableNames = Object.fromEntries(
      projections.flatMap((p) => p.tables).map((table) => [table.name, `${table.name}_${suffix}`]),
    );
    for (const table of projections.flatMap((p) => p.tables)) await database.query(table.createSql(names[table.name]));
    for (let start = 0; start < events.length; start += size) {
      const batch = events.slice(start, start + size);
      await database.transaction(async (tx) => {
        for (const projection of projections) {
          const relevant = batch.filter((event) => projection.eventTypes.includes(event.type));
          if (relevant.length > 0) await projection.apply(tx, relevant, names);
        }
      });
    }
    const rows: Record<string, unknown[]> = {};
    for (const [logical, physical] of Object.entries(names))
      rows[logical] = await database.query(`SELECT * FROM ${physical} ORDER BY 1, 2, 3`);
    return rows;
  }

  it('counts by UTC day of recording, tier and provider; users per day; failures by the tier reserved; latency by bucket', async () => {
    const rows = await project(EVENTS, EVENTS.length, 'all');
    expect(rows[USAGE_TABLES.daily]).toEqual([
      {
        day: '2026-11-04',
        tier: 'premium',
        provider: 'openai',
        generations: 1,
        cache_hits: 1,
        spend_micros: 40_000,
        saved_micros: 40_000,
        free_generations: 1,
        paid_generations: 0,
      },
      {
        day: '2026-11-04',
        tier: 'standard',
        provider: 'fal',
        generations: 1,
        cache_hits: 0,
        spend_micros: 3_000,
        saved_micros: 0,
        free_generations: 0,
        paid_generations: 1,
      },
      {
        day: '2026-11-05',
        tier: 'premium',
        provider: 'openai',
        generations: 0,
        cache_hits: 1,
        spend_micros: 0,
        saved_micros: 40_000,
        free_generations: 0,
        paid_generations: 0,
      },
    ]);
    expect(rows[USAGE_TABLES.users]).toEqual([
      { day: '2026-11-04', user_id: 'u1', generations: 2, cache_hits: 0 },
      { day: '2026-11-04', user_id: 'u2', generations: 0, cache_hits: 1 },
      { day: '2026-11-05', user_id: 'u1', generations: 0, cache_hits: 1 },
    ]);
    expect(rows[USAGE_TABLES.failures]).toEqual([
      { day: '2026-11-04', tier: 'premium', code: 'provider_failed', failures: 1 },
    ]);
    // g1 took 20 s (bucket 20), g2 2 s (bucket 2); g6 is still in flight.
    expect(rows[USAGE_TABLES.latency]).toEqual([
      { provider: 'fal', tier: 'standard', le: '2', observations: 1, total_ms: 2_000 },
      { provider: 'openai', tier: 'premium', le: '20', observations: 1, total_ms: 20_000 },
    ]);
    expect(rows[USAGE_TABLES.inFlight]).toEqual([
      { generation_id: 'g6', tier: 'premium', requested_at: new Date('2026-11-05T09:30:00Z') },
    ]);
    expect(rows[BUDGET_CHANGES_TABLE]).toEqual([]);
  });

  it('gives the same rows whatever the batch size (what verify relies on)', async () => {
    const whole = await project(EVENTS, EVENTS.length, 'whole');
    await expect(project(EVENTS, 1, 'single')).resolves.toEqual(whole);
    await expect(project(EVENTS, 4, 'fours')).resolves.toEqual(whole);
  });

  it('records cap changes and tier changes of budget streams, in order', async () => {
    const events = [
      recorded('BudgetCapSet', 'budget-2026-11', '2026-11-04T10:00:00Z', {
        capMicros: 300_000,
        hardCapMicros: null,
        setAt: '2026-11-04T10:00:00.000Z',
      }),
      recorded('TierDowngraded', 'budget-2026-11', '2026-11-04T15:30:00Z', {
        reason: 'soft_cap_exceeded',
        spendMicros: 283_000,
        reservedMicros: 0,
        nextPremiumPriceMicros: 40_000,
        capMicros: 300_000,
        at: '2026-11-04T15:30:00.000Z',
      }),
      recorded('TierRestored', 'budget-2026-12', '2026-12-01T00:00:05Z', {
        reason: 'new_month',
        at: '2026-12-01T00:00:05.000Z',
      }),
    ];
    const rows = (await project(events, 2, 'budget'))[BUDGET_CHANGES_TABLE] as Array<Record<string, unknown>>;
    expect(rows.map((row) => [row.month, row.change, row.reason, row.cap_micros])).toEqual([
      ['2026-11', 'cap_set', null, 300_000],
      ['2026-11', 'downgraded', 'soft_cap_exceeded', 300_000],
      ['2026-12', 'restored', 'new_month', null],
    ]);
  });
});
