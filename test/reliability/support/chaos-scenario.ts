import type { AllFakes, Fault } from '../../fakes';
import { GenledgerClient, type Reply } from '../../../bench/support/genledger-client';
import { pick, seededRandom } from '../../../bench/support/random';
import { auditUsers, unreachableImages, type UserLedger } from './ledger-audit';
import { spread } from './cluster';

export interface ChaosOptions {
  readonly seed: number;
  readonly users: number;
  readonly requests: number;
  /** Requests in flight at once. */
  readonly wave: number;
  /** A "slow" fault longer than the service's provider timeout, or undefined for none. */
  readonly timeoutFaultMs?: number;
}

export interface ChaosOutcome {
  readonly statuses: Record<number, number>;
  readonly codes: Record<string, number>;
  readonly problems: string[];
  readonly succeeded: number;
  readonly failed: number;
}

/** Lets a request through untouched: faults are taken in order, so gaps between them are these. */
const PASS: Fault = { kind: 'slow', delayMs: 0 };

/**
 * Queues a seeded random schedule of faults on each fake: errors, rate limits, malformed
 * bodies, dropped connections and (when the service's timeout is short enough to wait for)
 * calls slower than its timeout. About a quarter of all provider calls misbehave: enough to trip
 * the circuit breakers now and then, not so many that they stay open.
 */
export function scheduleFaults(fakes: AllFakes, options: ChaosOptions): void {
  const next = seededRandom(options.seed);
  const apiFaults: Fault[] = [
    { kind: 'status', status: 500 },
    { kind: 'status', status: 503 },
    { kind: 'status', status: 429, retryAfterSeconds: 1 },
    { kind: 'status', status: 429 },
    { kind: 'malformed' },
    { kind: 'drop' },
    ...(options.timeoutFaultMs === undefined ? [] : [{ kind: 'slow', delayMs: options.timeoutFaultMs } as Fault]),
  ];
  const calls = options.requests * 6;
  for (let i = 0; i < calls; i++) {
    fakes.openai.failNext(next() < 0.7 ? PASS : pick(next, apiFaults));
    fakes.fal.failNext(next() < 0.75 ? PASS : next() < 0.15 ? { kind: 'job-error' } : pick(next, apiFaults));
    fakes.cloudinary.failNext(
      next() < 0.85 ? PASS : pick(next, [{ kind: 'status', status: 500 }, { kind: 'drop' }] as Fault[]),
    );
  }
}

/**
 * Unique prompts from several users while the providers fail at random. Every answer must be a
 * success or a clean provider error; per user, the events must show one capture per success and
 * one release per failure, and every image handed out must be downloadable.
 */
export async function providerChaos(
  clients: readonly GenledgerClient[],
  fakes: AllFakes,
  options: ChaosOptions,
): Promise<ChaosOutcome> {
  const users = Array.from({ length: options.users }, (_, i) => `chaos-${options.seed}-${i}`);
  const perUser = Math.ceil(options.requests / options.users);
  for (const user of users) await clients[0]!.grant(user, perUser);
  scheduleFaults(fakes, options);
  const replies: Array<Reply & { user: string }> = [];
  for (let start = 0; start < options.requests; start += options.wave) {
    const count = Math.min(options.wave, options.requests - start);
    const wave = await spread(count, clients, async (client, i) => {
      const index = start + i;
      const user = users[index % users.length]!;
      const reply = await client.call('POST', '/v1/generations', {
        user,
        json: { prompt: `chaos ${options.seed} prompt ${index}`, tier: index % 4 === 0 ? 'standard' : 'premium' },
        timeoutMs: 120_000,
      });
      return { ...reply, user };
    });
    replies.push(...wave);
  }

  const { ledgers, problems } = await auditUsers(clients[0]!, users, {
    freeDailyQuota: 3,
    expectAllSettled: true,
    uniquePrompts: true,
  });
  problems.push(...(await unreachableImages(ledgers)));
  // The faults nobody drew; stored images go too, so only after they were fetched.
  fakes.reset();
  for (const ledger of ledgers)
    problems.push(
      ...settlementMismatch(
        ledger,
        replies.filter((reply) => reply.user === ledger.userId),
      ),
    );
  const statuses: Record<number, number> = {};
  const codes: Record<string, number> = {};
  for (const reply of replies) {
    statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
    if (reply.status !== 201) codes[reply.body?.code ?? 'none'] = (codes[reply.body?.code ?? 'none'] ?? 0) + 1;
    if (reply.status >= 500 && reply.headers.get('content-type')?.startsWith('application/problem+json') !== true) {
      problems.push(`a ${reply.status} answered without problem+json: ${JSON.stringify(reply.body)}`);
    }
  }
  const succeeded = replies.filter((reply) => reply.status === 201).length;
  return { statuses, codes, problems, succeeded, failed: replies.length - succeeded };
}

/** The user's answers and the user's events must tell the same story. */
function settlementMismatch(ledger: UserLedger, replies: readonly Reply[]): string[] {
  const reservations = [...ledger.reservations.values()];
  const captured = reservations.filter((r) => r.captures === 1).length;
  const released = reservations.filter((r) => r.releases.length === 1).length;
  const charged = replies.filter((reply) => reply.status === 201 && reply.body.charge !== 'none').length;
  const failed = replies.filter((reply) => reply.status !== 201).length;
  const problems: string[] = [];
  if (captured !== charged) problems.push(`${ledger.userId}: ${captured} captures for ${charged} charged answers`);
  if (released !== failed) problems.push(`${ledger.userId}: ${released} releases for ${failed} failed answers`);
  return problems;
}
