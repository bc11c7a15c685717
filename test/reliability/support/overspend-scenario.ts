import type { AllFakes } from '../../fakes';
import { auditUsers, chargedGenerations } from './ledger-audit';
import { spread, type Cluster } from './cluster';

export const FREE_DAILY_QUOTA = 3;
const REQUEST_TIMEOUT_MS = 240_000;

export interface CreditsBurst {
  readonly statuses: Record<number, number>;
  /** The bodies of answers other than 201 and 402, so a failure says what they were. */
  readonly unexpected: unknown[];
  readonly problems: string[];
  readonly chargedPerUser: number[];
  readonly balances: Array<Record<string, any>>;
  readonly providerCalls: number;
  readonly spendUsd: number;
}

/**
 * `requests` generations with unique prompts, all in flight at once and spread over the
 * replicas, from `users` users who each hold FREE_DAILY_QUOTA free units and `paidCredits`.
 */
export async function creditsBurst(
  cluster: Cluster,
  fakes: AllFakes,
  options: { label: string; users: number; paidCredits: number; requests: number },
): Promise<CreditsBurst> {
  const users = Array.from({ length: options.users }, (_, i) => `${options.label}-${i}`);
  for (const user of users) await cluster.clients[0]!.grant(user, options.paidCredits);
  const callsBefore = openAICalls(fakes);
  const spendBefore = (await cluster.clients[0]!.budget()).spendUsd;
  const replies = await spread(options.requests, cluster.clients, (client, i) =>
    client.call('POST', '/v1/generations', {
      user: users[i % users.length],
      json: { prompt: `${options.label} prompt ${i}` },
      timeoutMs: REQUEST_TIMEOUT_MS,
    }),
  );
  const { ledgers, problems } = await auditUsers(cluster.clients[1 % cluster.clients.length]!, users, {
    freeDailyQuota: FREE_DAILY_QUOTA,
    expectAllSettled: true,
    uniquePrompts: true,
  });
  return {
    statuses: countStatuses(replies.map((reply) => reply.status)),
    unexpected: unexpectedAnswers(cluster, replies),
    problems,
    chargedPerUser: ledgers.map((ledger) => chargedGenerations(ledger).length),
    balances: await Promise.all(users.map((user) => cluster.clients[0]!.credits(user))),
    providerCalls: openAICalls(fakes) - callsBefore,
    spendUsd: round((await cluster.clients[0]!.budget()).spendUsd - spendBefore),
  };
}

export interface CapBurst {
  readonly statuses: Record<number, number>;
  readonly codes: Record<string, number>;
  readonly problems: string[];
  readonly capUsd: number;
  readonly budget: Record<string, any>;
  readonly chargedCostUsd: number;
}

/**
 * The same burst against a month whose soft and hard caps leave `headroomUsd` above what is
 * already spent; the users hold plenty of credits, so only the budget can refuse.
 */
export async function hardCapBurst(
  cluster: Cluster,
  options: { label: string; users: number; requests: number; headroomUsd: number },
): Promise<CapBurst> {
  const admin = cluster.clients[0]!;
  const capUsd = round((await admin.budget()).spendUsd + options.headroomUsd);
  const set = await admin.call('PUT', '/v1/admin/budget', { json: { capUsd, hardCapUsd: capUsd } });
  if (set.status !== 200) throw new Error(`setting the caps failed: ${set.status} ${JSON.stringify(set.body)}`);
  const users = Array.from({ length: options.users }, (_, i) => `${options.label}-${i}`);
  for (const user of users) await admin.grant(user, 1000);
  const replies = await spread(options.requests, cluster.clients, (client, i) =>
    client.call('POST', '/v1/generations', {
      user: users[i % users.length],
      json: { prompt: `${options.label} prompt ${i}` },
      timeoutMs: REQUEST_TIMEOUT_MS,
    }),
  );
  const { problems } = await auditUsers(admin, users, {
    freeDailyQuota: FREE_DAILY_QUOTA,
    expectAllSettled: true,
    uniquePrompts: true,
  });
  const codes: Record<string, number> = {};
  for (const reply of replies)
    if (reply.status !== 201)
      codes[reply.body?.code ?? `status ${reply.status}`] =
        (codes[reply.body?.code ?? `status ${reply.status}`] ?? 0) + 1;
  return {
    statuses: countStatuses(replies.map((reply) => reply.status)),
    codes,
    problems,
    capUsd,
    budget: await admin.budget(),
    chargedCostUsd: round(
      replies.filter((reply) => reply.status === 201).reduce((sum, reply) => sum + reply.body.costUsd, 0),
    ),
  };
}

/**
 * Answers other than 201 and 402, with the warnings and errors the replicas logged, so that a
 * failure of this rare kind says what happened without a rerun.
 */
function unexpectedAnswers(cluster: Cluster, replies: ReadonlyArray<{ status: number; body: any }>): unknown[] {
  const unexpected = replies.filter((reply) => reply.status !== 201 && reply.status !== 402);
  if (unexpected.length === 0) return [];
  const logged = cluster.replicas.flatMap((replica, index) =>
    replica
      .output()
      .split('\n')
      .filter((line) => /"level":[456]0/.test(line))
      .map((line) => `replica ${index}: ${line}`),
  );
  return [...unexpected.map((reply) => ({ status: reply.status, body: reply.body })), { logged }];
}

function openAICalls(fakes: AllFakes): number {
  return fakes.openai.requests.filter((request) => request.path === '/v1/images/generations').length;
}

function countStatuses(statuses: readonly number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** Dollar amounts from the API are micro-dollar exact; sums of floats are rounded back to that. */
function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/** dall-e-3, 1024x1024, standard: what each generation of these bursts costs. */
export const PREMIUM_PRICE_USD = 0.04;

/** Exactly the users' credits were charged, no balance left negative or held, spend matches. */
export function expectCreditsChargedExactly(
  burst: CreditsBurst,
  options: { users: number; paidCredits: number; requests: number },
): void {
  const perUser = FREE_DAILY_QUOTA + options.paidCredits;
  const capacity = options.users * perUser;
  expect(burst.problems).toEqual([]);
  expect(burst.unexpected).toEqual([]);
  expect(burst.statuses).toEqual({ 201: capacity, 402: options.requests - capacity });
  expect(burst.chargedPerUser).toEqual(Array(options.users).fill(perUser));
  for (const balance of burst.balances)
    expect(balance).toMatchObject({ paidCredits: 0, reservedCredits: 0, freeRemainingToday: 0 });
  expect(burst.providerCalls).toBe(capacity);
  expect(burst.spendUsd).toBeCloseTo(capacity * PREMIUM_PRICE_USD, 6);
}

/** The hard cap refused the rest cleanly: spend never passed it and nothing stayed reserved. */
export function expectHardCapHeld(burst: CapBurst, headroomUsd: number): void {
  expect(burst.problems).toEqual([]);
  expect(Object.keys(burst.statuses).sort()).toEqual(['201', '503']);
  expect(Object.keys(burst.codes)).toEqual(['budget_exhausted']);
  expect(burst.budget.spendUsd).toBeLessThanOrEqual(burst.capUsd);
  expect(burst.budget.reservedUsd).toBe(0);
  expect(burst.chargedCostUsd).toBeCloseTo(headroomUsd - (burst.capUsd - burst.budget.spendUsd), 6);
  // Within one image of the cap. Held prices that were never spent (unknown outcomes count against
  // the cap) would end it lower: the month's figures say which, should this fail.
  const month = JSON.stringify({ budget: burst.budget, codes: burst.codes, statuses: burst.statuses });
  expect({ withinOneImage: burst.chargedCostUsd > headroomUsd - PREMIUM_PRICE_USD, month }).toEqual({
    withinOneImage: true,
    month,
  });
}
