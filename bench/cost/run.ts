/**
 * Cost benchmark: a synthetic month (bench/cost/workload.ts) replayed through genledger in its own
 * process, on PostgreSQL, with the fake OpenAI and fal.ai servers. Prints the month's provider
 * spend, cache hit rate and false cache hits (an image of another prompt served) against
 * baselines computed from the same requests: no cache, the seed's word-sorting key, and a perfect
 * cache keyed by what each request meant.
 *
 *   npm run bench:cost        (COST_DAYS=30 COST_REQUESTS_PER_DAY=70 COST_CONCURRENCY=8)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizePrompt } from '../../src/generation/domain/prompt';
import { startAllFakes } from '../../test/fakes';
import { GenledgerClient, type Reply } from '../support/genledger-client';
import { describeMachine, envNumber, machineLine } from '../support/machine';
import { createScratchDatabase } from '../support/scratch-database';
import { repositoryRoot, startGenledger } from '../support/service-process';
import { seedNormalize, settingsKey, simulate, type Outcome } from './strategies';
import { buildWorkload, DEFAULT_SETTINGS, type WorkloadRequest } from './workload';

const CONCURRENCY = envNumber('COST_CONCURRENCY', 8);

interface Replayed extends Outcome {
  readonly failedRequests: number;
  readonly downgraded: number;
  readonly budgetSpendMicros: number;
  readonly fakeProviderCalls: number;
  readonly seconds: number;
}

async function main(): Promise<void> {
  const settings = {
    ...DEFAULT_SETTINGS,
    days: envNumber('COST_DAYS', DEFAULT_SETTINGS.days),
    requestsPerDay: envNumber('COST_REQUESTS_PER_DAY', DEFAULT_SETTINGS.requestsPerDay),
  };
  const { intents, requests } = buildWorkload(settings);
  const database = await createScratchDatabase('cost');
  const fakes = await startAllFakes();
  try {
    const machine = await describeMachine(database.url);
    console.log(`machine: ${machineLine(machine)}`);
    console.log(
      `workload: ${requests.length} requests, ${settings.days} days x ${settings.requestsPerDay}, ${settings.users} users, ` +
        `${intents.length} intents (${settings.swappedPairs} order-swapped pairs), Zipf s=${settings.zipfExponent}, seed ${settings.seed}\n`,
    );
    const service = await startGenledger({
      ...fakes.env,
      DATABASE_URL: database.url,
      RATE_LIMIT_PER_MINUTE: '1000000',
      BUDGET_MONTHLY_CAP_USD: '100000',
    });
    let measured: Replayed;
    try {
      measured = await replay(
        new GenledgerClient(service.url),
        requests,
        settings.users,
        () =>
          fakes.openai.requests.filter((r) => r.path === '/v1/images/generations').length +
          fakes.fal.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/fal-ai/flux/schnell')).length,
      );
    } finally {
      await service.stop();
    }

    const baselines = [
      simulate('no cache', requests, 'none'),
      simulate("seed's key (lower case, no punctuation, words sorted)", requests, seedNormalize),
      simulate("genledger's key, simulated", requests, normalizePrompt),
      simulate('perfect cache (keyed by intent)', requests, 'intent'),
    ];
    const rows: Outcome[] = [
      ...baselines.slice(0, 2),
      { ...measured, strategy: 'genledger, replayed through the service' },
      ...baselines.slice(2),
    ];
    const noCache = baselines[0]!;
    console.table(
      rows.map((row) => ({
        strategy: row.strategy,
        'provider calls': row.providerCalls,
        'spend USD': (row.spendMicros / 1e6).toFixed(2),
        'vs no cache': `${(row.spendMicros / noCache.spendMicros).toFixed(2)}x`,
        'hit rate': `${((100 * row.hits) / row.requests).toFixed(1)}%`,
        'false hits': row.falseHits,
        'false hits (normalised prompt differs)': row.falseHitsByNormalisation ?? '-',
        'missed hits': row.missedHits,
      })),
    );
    for (const row of rows.filter((r) => r.falseHitExamples.length > 0)) {
      console.log(`false hits of ${row.strategy}, e.g.:`);
      for (const [asked, served] of row.falseHitExamples)
        console.log(`  asked "${asked}", served the image of "${served}"`);
    }
    console.log(
      `replay: ${measured.seconds.toFixed(0)} s, ${measured.failedRequests} failed requests, ${measured.downgraded} downgraded, ` +
        `budget spend $${(measured.budgetSpendMicros / 1e6).toFixed(2)}, provider calls seen by the fakes ${measured.fakeProviderCalls}`,
    );

    const failures = checks(measured, baselines[2]!);
    const resultsDir = join(repositoryRoot(), 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const at = new Date().toISOString();
    const file = join(resultsDir, `cost-${at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ at, machine, settings, concurrency: CONCURRENCY, rows, measured }, null, 2)}\n`,
    );
    console.log(`results: ${file}`);
    if (failures.length > 0) {
      console.error(`FAILED:\n  ${failures.join('\n  ')}`);
      process.exitCode = 1;
    } else {
      console.log('OK: no false hits, spend and provider calls agree with the simulation, the budget and the fakes');
    }
  } finally {
    await fakes.close();
    await database.drop();
  }
}

function checks(measured: Replayed, simulated: Outcome): string[] {
  return [
    ...(measured.falseHits > 0 ? [`${measured.falseHits} false hits (another intent's image)`] : []),
    ...((measured.falseHitsByNormalisation ?? 0) > 0
      ? [`${measured.falseHitsByNormalisation} hits whose normalised prompt differs`]
      : []),
    ...(measured.failedRequests > 0 ? [`${measured.failedRequests} requests failed`] : []),
    ...(measured.providerCalls !== simulated.providerCalls
      ? [`${measured.providerCalls} provider calls, the simulation expects ${simulated.providerCalls}`]
      : []),
    ...(measured.fakeProviderCalls !== measured.providerCalls
      ? [`the fakes saw ${measured.fakeProviderCalls} image calls for ${measured.providerCalls} misses`]
      : []),
    ...(measured.budgetSpendMicros !== measured.spendMicros
      ? [`budget spend ${measured.budgetSpendMicros} micro-dollars != charged ${measured.spendMicros}`]
      : []),
  ];
}

/** Day by day, a few requests in flight at once; then each cache hit is traced to its source. */
async function replay(
  client: GenledgerClient,
  requests: readonly WorkloadRequest[],
  users: number,
  fakeCalls: () => number,
): Promise<Replayed> {
  for (let i = 0; i < users; i++) await client.grant(`cost-user-${String(i).padStart(3, '0')}`, 100_000);
  const started = Date.now();
  const replies: Reply[] = new Array(requests.length);
  const days = [...new Set(requests.map((request) => request.day))];
  for (const day of days) {
    const today = requests.map((request, index) => ({ request, index })).filter(({ request }) => request.day === day);
    let cursor = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (cursor < today.length) {
          const { request, index } = today[cursor++]!;
          replies[index] = await client.generate(request.user, {
            prompt: request.prompt,
            tier: request.tier,
            aspectRatio: request.aspectRatio,
            quality: request.quality,
          });
        }
      }),
    );
    if (day % 10 === 0 || day === days.length) console.log(`  day ${day}/${days.length} replayed`);
  }
  const seconds = (Date.now() - started) / 1000;

  const byGeneration = new Map<string, WorkloadRequest>();
  requests.forEach((request, index) => {
    const body = replies[index]!.body;
    if (replies[index]!.status === 201 && body.cached === false) byGeneration.set(body.id, request);
  });
  const seen = new Set<string>();
  const falseHitExamples: Array<readonly [string, string]> = [];
  const tally = {
    providerCalls: 0,
    spendMicros: 0,
    hits: 0,
    falseHits: 0,
    falseHitsByNormalisation: 0,
    missedHits: 0,
    failedRequests: 0,
    downgraded: 0,
  };
  requests.forEach((request, index) => {
    const { status, body } = replies[index]!;
    const intentKey = `${request.intent}|${settingsKey(request)}`;
    if (status !== 201) {
      tally.failedRequests += 1;
    } else if (body.cached) {
      tally.hits += 1;
      const source = byGeneration.get(body.sourceGenerationId);
      if (!source || source.intent !== request.intent || settingsKey(source) !== settingsKey(request)) {
        tally.falseHits += 1;
        falseHitExamples.push([request.prompt, source?.prompt ?? `unknown generation ${body.sourceGenerationId}`]);
      }
      if (!source || normalizePrompt(source.prompt) !== normalizePrompt(request.prompt))
        tally.falseHitsByNormalisation += 1;
    } else {
      tally.providerCalls += 1;
      tally.spendMicros += Math.round(body.costUsd * 1e6);
      if (seen.has(intentKey)) tally.missedHits += 1;
    }
    if (status === 201 && body.downgraded) tally.downgraded += 1;
    seen.add(intentKey);
  });
  const budget = await client.budget();
  return {
    strategy: 'genledger',
    requests: requests.length,
    ...tally,
    falseHitExamples: falseHitExamples.slice(0, 3),
    budgetSpendMicros: Math.round(budget.spendUsd * 1e6),
    fakeProviderCalls: fakeCalls(),
    seconds,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
