import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../src/common/clock';
import { Database } from '../../src/database/database';
import { ALL_MIGRATIONS } from '../../src/migrations';
import { EventStore } from '../../src/event-store/event-store';
import { ProjectionRegistry } from '../../src/event-store/projection-registry';
import { ProjectionRunners } from '../../src/event-store/projection-runners';
import { ALL_PROJECTIONS } from '../../src/projections';
import { auditCommand } from '../../src/cli/commands/audit';
import type { CliContext } from '../../src/cli/command';
import { USAGE_PROJECTION, USAGE_TABLES } from '../../src/analytics/projections/usage.projection';
import { BUDGET_CHANGES_TABLE, BUDGET_PROJECTION } from '../../src/analytics/projections/budget.projection';
import { readMonthUsage } from '../../src/analytics/report/month-usage';
import { costReport } from '../../src/analytics/report/cost-report';
import { startAllFakes, type AllFakes } from '../fakes';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, hasPostgres } from '../support/test-database';
import { waitUntilCaughtUp } from '../support/wait-until-caught-up';

/** Prometheus text -> samples; labels compared as sets. */
function samples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`Not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(text).filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/**
 * The known script (fakes: Premium = OpenAI dall-e-3, $0.04 for 1:1 and $0.12 for HD 16:9;
 * Standard = fal Flux Schnell, $0.003 for one megapixel):
 * 11-03 alice 3 free + 1 paid Premium, a cache hit; bob a cache hit of alice's image and 1 free Standard.
 * 11-04 carol 1 free HD 16:9 Premium; the cap is set to $0.30; dave's Premium request passes it and
 *       is downgraded to Standard (one TierDowngraded).
 * 11-05 dave's request again is a cache hit of his Standard image; erin 1 Standard; erin's next
 *       request fails at every provider.
 */
describe('analytics: projections, usage_log, /metrics, rebuild, cost report and audit agree on one script', () => {
  const clock = new FakeClock('2026-11-03T09:00:00Z');
  let fakes: AllFakes;
  let t: TestApp;
  let database: Database;
  let databaseUrl: string | undefined;

  const generate = (user: string, json: Record<string, unknown>) =>
    t.request('/v1/generations', { method: 'POST', user, json });
  const created = async (user: string, json: Record<string, unknown>, expected: Record<string, unknown>) => {
    const response = await generate(user, json);
    expect({ httpStatus: response.status, ...response.body }).toMatchObject({ httpStatus: 201, ...expected });
  };
  const caughtUp = async () => {
    const runners = t.app.get(ProjectionRunners);
    for (const name of [USAGE_PROJECTION, BUDGET_PROJECTION]) await waitUntilCaughtUp(runners.runner(name));
  };

  beforeAll(async () => {
    fakes = await startAllFakes();
    databaseUrl = hasPostgres() ? await createTestDatabase('analytics') : undefined;
    database = await Database.open(
      databaseUrl
        ? { url: databaseUrl, migrations: ALL_MIGRATIONS }
        : { pgliteDir: 'memory://', migrations: ALL_MIGRATIONS },
    );
    t = await startTestApp({ env: { ...fakes.env }, clock, database });

    const premium = { cached: false, tier: 'premium', provider: 'openai', costUsd: 0.04 };
    await created('alice', { prompt: 'a lighthouse at dawn' }, { ...premium, charge: 'free' });
    await created('alice', { prompt: 'a red fox in the snow' }, { ...premium, charge: 'free' });
    await created('alice', { prompt: 'a city at night' }, { ...premium, charge: 'free' });
    expect(
      (await t.request('/v1/admin/users/alice/credits', { method: 'POST', json: { credits: 2, reason: 'purchase' } }))
        .status,
    ).toBe(201);
    await created('alice', { prompt: 'a mountain lake' }, { ...premium, charge: 'paid' });
    await created('alice', { prompt: 'a lighthouse at dawn' }, { cached: true, charge: 'none' });
    await created('bob', { prompt: 'A  Lighthouse at dawn!' }, { cached: true, charge: 'none' });
    await created(
      'bob',
      { prompt: 'a blue bicycle', tier: 'standard' },
      { tier: 'standard', provider: 'fal', costUsd: 0.003, charge: 'free' },
    );

    clock.set('2026-11-04T09:00:00Z');
    await created(
      'carol',
      { prompt: 'a stormy sea', aspectRatio: '16:9', quality: 'hd' },
      { tier: 'premium', costUsd: 0.12, charge: 'free' },
    );
    expect((await t.request('/v1/admin/budget', { method: 'PUT', json: { capUsd: 0.3 } })).status).toBe(200);
    clock.set('2026-11-04T15:30:00Z');
    await created(
      'dave',
      { prompt: 'a green meadow' },
      { tier: 'standard', downgraded: true, provider: 'fal', costUsd: 0.003, charge: 'free' },
    );

    clock.set('2026-11-05T09:00:00Z');
    await created('dave', { prompt: 'a green meadow' }, { cached: true, tier: 'standard', charge: 'none' });
    await created(
      'erin',
      { prompt: 'an origami crane', tier: 'standard' },
      { provider: 'fal', costUsd: 0.003, charge: 'free' },
    );
    fakes.openai.failNext({ kind: 'status', status: 500 }, 20);
    fakes.fal.failNext({ kind: 'status', status: 500 }, 20);
    expect((await generate('erin', { prompt: 'this one fails' })).status).toBe(502);
    fakes.reset();
    await caughtUp();
  });

  afterAll(async () => {
    await t?.close();
    await database?.close();
    await fakes?.close();
  });

  const expectedSummary = {
    from: '2026-11-01',
    to: '2026-11-30',
    generations: 8,
    cacheHits: 3,
    cacheHitRate: 3 / 11,
    spendUsd: 0.289,
    savedUsd: 0.083,
    freeGenerations: 7,
    paidGenerations: 1,
    uniqueUsers: 5,
    byTier: { premium: { generations: 5, spendUsd: 0.28 }, standard: { generations: 3, spendUsd: 0.009 } },
    byProvider: { fal: { generations: 3, spendUsd: 0.009 }, openai: { generations: 5, spendUsd: 0.28 } },
    // No credits sold in this script: the margin is the spend, negative.
    revenueUsd: 0,
    marginUsd: -0.289,
  };
  const expectedDays = [
    { date: '2026-11-03', generations: 5, cacheHits: 2, spendUsd: 0.163, savedUsd: 0.08, premium: 4, standard: 1 },
    { date: '2026-11-04', generations: 2, cacheHits: 0, spendUsd: 0.123, savedUsd: 0, premium: 1, standard: 1 },
    { date: '2026-11-05', generations: 1, cacheHits: 1, spendUsd: 0.003, savedUsd: 0.003, premium: 0, standard: 1 },
  ].map((day) => ({ ...day, revenueUsd: 0, marginUsd: -day.spendUsd }));

  it('the summary (default: this month by the clock) and the daily series give the script figures', async () => {
    const summary = await t.request('/v1/admin/analytics/summary');
    expect(summary.status).toBe(200);
    expect(summary.body).toEqual(expectedSummary);

    const days = await t.request('/v1/admin/analytics/daily?from=2026-11-02&to=2026-11-06');
    expect(days.body.days).toEqual([
      {
        date: '2026-11-02',
        generations: 0,
        cacheHits: 0,
        spendUsd: 0,
        savedUsd: 0,
        premium: 0,
        standard: 0,
        revenueUsd: 0,
        marginUsd: 0,
      },
      ...expectedDays,
      {
        date: '2026-11-06',
        generations: 0,
        cacheHits: 0,
        spendUsd: 0,
        savedUsd: 0,
        premium: 0,
        standard: 0,
        revenueUsd: 0,
        marginUsd: 0,
      },
    ]);
    const month = (await t.request('/v1/admin/analytics/daily')).body.days as Array<{
      generations: number;
      cacheHits: number;
    }>;
    expect(month).toHaveLength(30);
    expect(month.reduce((sum, day) => sum + day.generations, 0)).toBe(expectedSummary.generations);
    expect(month.reduce((sum, day) => sum + day.cacheHits, 0)).toBe(expectedSummary.cacheHits);

    const oneDay = await t.request('/v1/admin/analytics/summary?from=2026-11-04&to=2026-11-04');
    expect(oneDay.body).toMatchObject({
      generations: 2,
      spendUsd: 0.123,
      uniqueUsers: 2,
      byProvider: { openai: { generations: 1, spendUsd: 0.12 }, fal: { generations: 1, spendUsd: 0.003 } },
    });
    const onlyFrom = await t.request('/v1/admin/analytics/summary?from=2026-11-05');
    expect(onlyFrom.body).toMatchObject({ from: '2026-11-05', to: '2026-11-30', generations: 1, cacheHits: 1 });
  });

  it('the usage_log view answers the seed-style SQL with the same numbers', async () => {
    const month = `created_at >= '2026-11-01T00:00:00Z' AND created_at < '2026-12-01T00:00:00Z'`;
    const counts = await database.query<{ event: string; n: number }>(
      `SELECT event, count(*)::int AS n FROM usage_log WHERE ${month} GROUP BY event ORDER BY event`,
    );
    expect(Object.fromEntries(counts.map((row) => [row.event, row.n]))).toEqual({
      CACHE_HIT: 3,
      CREDITS_DEBITED: 1,
      CREDITS_GRANTED: 1,
      GEN_FAILED: 1,
      GEN_SUCCESS: 8,
      QUOTA_CONSUMED: 7,
      TIER_DOWNGRADED: 1,
    });
    const [money] = await database.query(
      `SELECT sum((meta->>'cost')::numeric) FILTER (WHERE event = 'GEN_SUCCESS') AS spend,
              sum((meta->>'saved')::numeric) FILTER (WHERE event = 'CACHE_HIT') AS saved,
              count(*) FILTER (WHERE event = 'CACHE_HIT')::float / count(*) FILTER (WHERE event IN ('CACHE_HIT', 'GEN_SUCCESS')) AS hit_rate
         FROM usage_log WHERE ${month}`,
    );
    expect(Number(money.spend)).toBe(expectedSummary.spendUsd);
    expect(Number(money.saved)).toBe(expectedSummary.savedUsd);
    expect(Number(money.hit_rate)).toBeCloseTo(expectedSummary.cacheHitRate, 12);
    const [success] = await database.query(
      `SELECT user_id, meta FROM usage_log WHERE event = 'GEN_SUCCESS' AND meta->>'tier' = 'premium' AND meta->>'cost' = '0.120000'`,
    );
    expect(success).toMatchObject({
      user_id: 'carol',
      meta: { provider: 'openai', model: 'dall-e-3', promptHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const perDay = await database.query<{ day: string; n: number }>(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS n FROM usage_log WHERE event = 'GEN_SUCCESS' GROUP BY 1 ORDER BY 1`,
    );
    expect(perDay).toEqual(expectedDays.map((day) => ({ day: day.date, n: day.generations })));
  });

  it('/metrics agrees: outcomes by tier and provider, savings, month spend against the cap, latency, lag, HTTP', async () => {
    const response = await t.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.text;
    const generations = (labels: Record<string, string>) => sample(text, 'genledger_generations_total', labels);
    expect(generations({ tier: 'premium', provider: 'openai', outcome: 'succeeded' })).toBe(5);
    expect(generations({ tier: 'standard', provider: 'fal', outcome: 'succeeded' })).toBe(3);
    expect(generations({ tier: 'premium', provider: 'openai', outcome: 'cached' })).toBe(2);
    expect(generations({ tier: 'standard', provider: 'fal', outcome: 'cached' })).toBe(1);
    expect(generations({ tier: 'standard', provider: 'none', outcome: 'failed' })).toBe(1);
    expect(sample(text, 'genledger_generation_failures_total', { tier: 'standard', code: 'provider_failed' })).toBe(1);
    expect(sample(text, 'genledger_cache_saved_usd_total', { tier: 'premium', provider: 'openai' })).toBe(0.08);
    expect(sample(text, 'genledger_cache_saved_usd_total', { tier: 'standard', provider: 'fal' })).toBe(0.003);
    expect(sample(text, 'genledger_provider_spend_usd_total', { tier: 'premium', provider: 'openai' })).toBe(0.28);
    expect(sample(text, 'genledger_budget_month_spend_usd')).toBe(expectedSummary.spendUsd);
    expect(sample(text, 'genledger_budget_cap_usd')).toBe(0.3);
    expect(sample(text, 'genledger_budget_remaining_usd')).toBe(0.011);
    expect(sample(text, 'genledger_budget_premium_downgraded')).toBe(1);
    expect(sample(text, 'genledger_open_reservations')).toBe(0);
    expect(sample(text, 'genledger_budget_month_held_usd')).toBe(0);
    expect(sample(text, 'genledger_reservation_expiry_failures_total')).toBe(0);
    expect(sample(text, 'genledger_projection_lag_events', { projection: USAGE_PROJECTION })).toBe(0);
    expect(sample(text, 'genledger_projection_failing', { projection: BUDGET_PROJECTION })).toBe(0);
    // The fake clock stands still during a request: every generation took 0 s by the events.
    expect(sample(text, 'genledger_generation_duration_seconds_count', { provider: 'openai', tier: 'premium' })).toBe(
      5,
    );
    expect(
      sample(text, 'genledger_generation_duration_seconds_bucket', { provider: 'fal', tier: 'standard', le: '0.5' }),
    ).toBe(3);
    expect(
      sample(text, 'genledger_generation_duration_seconds_bucket', { provider: 'fal', tier: 'standard', le: '+Inf' }),
    ).toBe(3);
    expect(
      sample(text, 'genledger_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/generations',
        status_code: '201',
      }),
    ).toBe(11);
    expect(
      sample(text, 'genledger_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/generations',
        status_code: '502',
      }),
    ).toBe(1);
    expect(sample(text, 'genledger_process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('rejects bad ranges and a bad rebuild body with 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['from=2026-02-30', 'from'],
      ['from=2026-11-1', 'from'],
      ['to=yesterday', 'to'],
      ['from=2026-11-10&to=2026-11-09', 'from'],
      ['from=2025-01-01&to=2026-12-31', 'to'],
      ['day=2026-11-01', 'day'],
    ];
    for (const [query, field] of cases) {
      for (const call of ['summary', 'daily']) {
        const response = await t.request(`/v1/admin/analytics/${call}?${query}`);
        expect({ query, status: response.status, code: response.body.code }).toEqual({
          query,
          status: 400,
          code: 'validation_failed',
        });
        expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    }
    const rebuild = await t.request('/v1/admin/projections/rebuild', { method: 'POST', json: { verify: 'yes' } });
    expect(rebuild.status).toBe(400);
    expect(rebuild.body.errors).toEqual([{ field: 'verify', message: 'verify must be a boolean' }]);
  });

  it('rebuilding the analytics projections from zero gives identical numbers, and verify says so', async () => {
    const summary = (await t.request('/v1/admin/analytics/summary')).body;
    const daily = (await t.request('/v1/admin/analytics/daily')).body;
    const metrics = samples((await t.request('/metrics')).text).filter((s) =>
      /^genledger_(generations|cache|provider|budget|generation_duration)/.test(s.name),
    );
    for (const table of [...Object.values(USAGE_TABLES), BUDGET_CHANGES_TABLE])
      await database.query(`DELETE FROM ${table}`);
    expect((await t.request('/v1/admin/analytics/summary')).body.generations).toBe(0);
    const registry = t.app.get(ProjectionRegistry);
    await expect(registry.verify(USAGE_PROJECTION)).resolves.toMatchObject({ matches: false });

    const rebuilt = await t.request('/v1/admin/projections/rebuild', { method: 'POST', json: { verify: true } });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body.projections).toEqual(
      expect.arrayContaining([
        // 9 generations requested, 8 succeeded, 1 failed, 3 cache hits.
        { name: USAGE_PROJECTION, events: 21, matches: true, differences: 0 },
        { name: BUDGET_PROJECTION, events: 2, matches: true, differences: 0 },
      ]),
    );
    expect(rebuilt.body.projections.every((p: { matches: boolean }) => p.matches)).toBe(true);
    expect((await t.request('/v1/admin/analytics/summary')).body).toEqual(summary);
    expect((await t.request('/v1/admin/analytics/daily')).body).toEqual(daily);
    const after = samples((await t.request('/metrics')).text).filter((s) =>
      /^genledger_(generations|cache|provider|budget|generation_duration)/.test(s.name),
    );
    expect(after).toEqual(metrics);
  });

  it('the cost report replays the month: actual equals the summary; no-cache adds exactly the savings; standard-only re-prices Premium', async () => {
    const usage = await readMonthUsage(t.app.get(EventStore), '2026-11');
    expect(usage.items).toHaveLength(11);
    const noCache = costReport(usage, { kind: 'no-cache' });
    expect(noCache.actual).toEqual({
      spendMicros: 289_000,
      generations: { premium: 5, standard: 3 },
      cacheHits: 3,
      savedMicros: 83_000,
      downgradedAt: '2026-11-04T15:30:00.000Z',
    });
    expect(noCache.whatIf?.outcome).toMatchObject({
      spendMicros: 289_000 + 83_000,
      generations: { premium: 7, standard: 4 },
      cacheHits: 0,
      savedMicros: 0,
    });
    expect(noCache.whatIf?.difference.spendMicros).toBe(noCache.actual.savedMicros);
    // Every Premium image (four 1:1, one HD 16:9) at fal's one-megapixel price, $0.003.
    const standardOnly = costReport(usage, { kind: 'standard-only' });
    expect(standardOnly.whatIf?.outcome).toMatchObject({
      spendMicros: 8 * 3_000,
      generations: { premium: 0, standard: 8 },
      cacheHits: 3,
      savedMicros: 3 * 3_000,
    });
    // With the default $100 cap nothing is downgraded: dave's first request is Premium at $0.04.
    const highCap = costReport(usage, { kind: 'cap', capMicros: 100_000_000 });
    expect(highCap.whatIf?.outcome).toMatchObject({
      spendMicros: 289_000 - 3_000 + 40_000,
      generations: { premium: 6, standard: 2 },
      downgradedAt: null,
    });
    expect(costReport(await readMonthUsage(t.app.get(EventStore), '2026-10'), undefined).actual.spendMicros).toBe(0);
  });

  (hasPostgres() ? it : it.skip)(
    'npm run cli -- report --month 2026-11 --what-if no-cache --json, on the service database',
    () => {
      const cli = join(process.cwd(), 'dist/src/cli/main.js');
      expect(existsSync(cli)).toBe(true);
      const run = spawnSync(
        process.execPath,
        [cli, 'report', '--month', '2026-11', '--what-if', 'no-cache', '--json'],
        {
          env: { ...process.env, DATABASE_URL: databaseUrl, NODE_OPTIONS: '' },
          encoding: 'utf8',
        },
      );
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      expect(JSON.parse(run.stdout)).toMatchObject({
        month: '2026-11',
        actual: { spendUsd: expectedSummary.spendUsd, savedUsd: expectedSummary.savedUsd, cacheHits: 3 },
        whatIf: { policy: 'no-cache', spendUsd: 0.372, difference: { spendUsd: expectedSummary.savedUsd } },
      });
    },
  );

  it("audit prints every event of the user's account with the balance after it, ending at the credits call's balance", async () => {
    const store = t.app.get(EventStore);
    const run = async (args: string[]) => {
      let out = '';
      const context: CliContext = {
        stdout: { write: (text: string) => (out += text) },
        stderr: { write: (text: string) => (out += text) },
        store: async () => store,
        projections: () => ALL_PROJECTIONS,
      };
      return { code: await auditCommand.run(args, context), out };
    };
    const { code, out } = await run(['alice']);
    expect(code).toBe(0);
    type AccountEventView = {
      streamId: string;
      type: string;
      data: { credits: number; kind?: string };
      metadata: { requestId?: string };
    };
    const accountEvents = ((await t.request('/v1/admin/users/alice/events')).body.events as AccountEventView[]).filter(
      (event) => event.streamId === 'account-alice',
    );
    const rows = out.split('\n').filter((line) => /^\d{4}-\d{2}-\d{2} /.test(line));
    expect(rows.map((line) => line.split(/\s+/)[2])).toEqual(accountEvents.map((event) => event.type));
    rows.forEach((line, index) => {
      const requestId = accountEvents[index].metadata.requestId;
      if (requestId) expect(line).toContain(requestId);
    });
    // A reference balance, from the events alone: grants add, paid holds take, paid releases give back.
    let balance = 0;
    const expected = accountEvents.map((event) => {
      if (event.type === 'CreditsGranted') balance += event.data.credits;
      if (event.type === 'CreditsReserved' && event.data.kind === 'paid') balance -= event.data.credits;
      if (event.type === 'ReservationReleased' && event.data.kind === 'paid') balance += event.data.credits;
      return balance;
    });
    expect(rows.map((line) => Number(line.split(/\s+/)[4]))).toEqual(expected);
    expect(expected).toContain(2);
    const credits = (await t.request('/v1/admin/users/alice/credits')).body;
    expect(credits.paidCredits).toBe(1);
    expect(out).toContain(
      `Balance: ${credits.paidCredits} paid credits available, ${credits.reservedCredits} held, 2 granted in all`,
    );

    const before = await run(['alice', '--at', '2026-11-03T08:00:00Z']);
    expect(before.out).toBe('No account events for alice up to 2026-11-03T08:00:00.000Z.\n');
    await expect(run(['alice', '--at', 'tomorrow'])).rejects.toThrow('--at must be an ISO 8601 date-time');
  });
});
