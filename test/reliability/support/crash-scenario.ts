import { setTimeout as sleep } from 'node:timers/promises';
import type { AllFakes } from '../../fakes';
import { withClient } from '../../../bench/support/scratch-database';
import type { Reply } from '../../../bench/support/genledger-client';
import { auditUsers, unreachableImages } from './ledger-audit';
import type { Cluster } from './cluster';

/** As short as configuration allows for a provider deadline that the provider's latency fits in. */
export const PROVIDER_DEADLINE_SECONDS = 5;
export const RESERVATION_TIMEOUT_SECONDS = 20;
export const PROVIDER_LATENCY_MS = 1000;

/** What the replicas need for this scenario: short reservations, and an expiry job that keeps up. */
export const CRASH_ENV = {
  RESERVATION_TIMEOUT_SECONDS: String(RESERVATION_TIMEOUT_SECONDS),
  PROVIDER_DEADLINE_SECONDS: String(PROVIDER_DEADLINE_SECONDS),
  JOB_INTERVAL_SECONDS: '1',
};
const FREE_DAILY_QUOTA = 3;

export interface CrashOutcome {
  /** Requests to the killed replica that never got an answer. */
  readonly lostReplies: number;
  readonly otherStatuses: number[];
  readonly retryStatuses: number[];
  readonly openReservations: number;
  /** Reservations the dead replica held that the job released: proof the kill hit mid-generation. */
  readonly expiredReleases: number;
  readonly problems: string[];
}

/**
 * Replica 0 is SIGKILLed while its requests wait on the provider (reserved, not captured).
 * It restarts; the replicas' expiry job releases what the dead process held; clients retry every
 * request that got no answer with the same Idempotency-Key. Then every user must be whole or charged
 * exactly once for an image they can fetch, and no reservation may be left open.
 */
export async function crashMidGeneration(
  cluster: Cluster,
  fakes: AllFakes,
  options: { users: number; expiryWaitMs: number } = { users: 6, expiryWaitMs: 60_000 },
): Promise<CrashOutcome> {
  fakes.openai.setLatency(PROVIDER_LATENCY_MS);
  const users = Array.from({ length: options.users }, (_, i) => `crash-user-${i}`);
  for (const user of users) await cluster.clients[1]!.grant(user, 5);
  const requests = users.flatMap((user, u) =>
    Array.from({ length: 4 }, (_, i) => ({
      user,
      replica: i < 3 ? 0 : 1,
      key: `crash-${u}-${i}`,
      prompt: `crash test prompt ${u}-${i}`,
    })),
  );
  const send = (request: (typeof requests)[number], replica: number): Promise<Reply> =>
    cluster.clients[replica]!.call('POST', '/v1/generations', {
      user: request.user,
      json: { prompt: request.prompt },
      headers: { 'idempotency-key': request.key },
      timeoutMs: 120_000,
    });

  const imageCalls = () => fakes.openai.requests.filter((r) => r.path === '/v1/images/generations').length;
  const callsBefore = imageCalls();
  const replies = requests.map((request) => send(request, request.replica));
  await until(() => imageCalls() - callsBefore >= requests.length / 3, 60_000, 'requests reaching the provider');
  cluster.replicas[0]!.child.kill('SIGKILL');
  const first = await Promise.all(replies);

  await cluster.restart(0);
  await until(
    async () => (await openReservations(cluster.databaseUrl)) === 0,
    options.expiryWaitMs,
    "the expiry job to release the dead replica's reservations",
  );
  const lost = requests.filter((_, i) => first[i]!.status === 0);
  const retries = await Promise.all(lost.map((request) => send(request, 1)));

  const { ledgers, problems } = await auditUsers(cluster.clients[1]!, users, {
    freeDailyQuota: FREE_DAILY_QUOTA,
    expectAllSettled: true,
    uniquePrompts: true,
  });
  problems.push(...(await unreachableImages(ledgers)));
  return {
    lostReplies: lost.length,
    otherStatuses: first.filter((reply) => reply.status !== 0).map((reply) => reply.status),
    retryStatuses: retries.map((reply) => reply.status),
    openReservations: await openReservations(cluster.databaseUrl),
    expiredReleases: ledgers.reduce(
      (sum, ledger) => sum + [...ledger.reservations.values()].filter((r) => r.releases.includes('expired')).length,
      0,
    ),
    problems,
  };
}

function openReservations(databaseUrl: string): Promise<number> {
  return withClient(databaseUrl, async (client) =>
    Number((await client.query('select count(*) from open_reservations')).rows[0].count),
  );
}

export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** After the crash, expiry and retries: nobody lost credits, every retry made its image once. */
export function expectWholeAfterCrash(outcome: CrashOutcome): void {
  expect(outcome.problems).toEqual([]);
  expect(outcome.lostReplies).toBeGreaterThan(0);
  expect(outcome.expiredReleases).toBeGreaterThan(0);
  expect(outcome.otherStatuses.every((status) => status === 201)).toBe(true);
  expect(outcome.retryStatuses).toEqual(Array(outcome.lostReplies).fill(201));
  expect(outcome.openReservations).toBe(0);
}
