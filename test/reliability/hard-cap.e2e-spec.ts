import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import type { Reply } from '../../bench/support/genledger-client';
import { pick, seededRandom } from '../../bench/support/random';
import { startAllFakes, type AllFakes, type Fault } from '../fakes';
import { billPriceMicros } from '../fakes/bill-price';
import { describePostgres } from '../support/test-database';
import { spread, startCluster, type Cluster } from './support/cluster';

const HARD_CAP_MICROS = 1_000_000;
/**
 * A 5 s provider deadline and the shortest reservation timeout the configuration allows with it;
 * the providers' slow answers come after both. The soft cap is the hard cap, so Premium is asked
 * for until the very end and every request may fall back.
 */
const ENV = {
  PROVIDER_DEADLINE_SECONDS: '5',
  RESERVATION_TIMEOUT_SECONDS: '20',
  JOB_INTERVAL_SECONDS: '1',
  BUDGET_MONTHLY_CAP_USD: '1.00',
  BUDGET_HARD_CAP_USD: '1.00',
  FREE_DAILY_QUOTA: '0',
};
const SLOWER_THAN_THE_RESERVATION_MS = 22_000;
const USERS = ['cap-ana', 'cap-ben', 'cap-cai', 'cap-dee'];
const REQUESTS = 48;
/** Requests in flight at once, over the three replicas. */
const WAVE = 12;

const PASS: Fault = { kind: 'slow', delayMs: 0 };
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

const priceOf = billPriceMicros;

/**
 * OpenAI fails most calls with a 5xx after accepting them (unknown outcome: retried, then the
 * fallback to fal); a few calls on each provider do the work and answer after the reservation
 * timeout, and fal drops a few results. (A fake takes its work faults on the calls that pass its
 * other faults, in order, so those come first, a few each.)
 */
function scheduleFaults(fakes: AllFakes): void {
  const next = seededRandom(15);
  const slow = { kind: 'work-then-late', delayMs: SLOWER_THAN_THE_RESERVATION_MS } as const;
  fakes.openai.failNext(slow, 3);
  fakes.fal.failNext(slow, 2);
  fakes.fal.failNext({ kind: 'work-then-drop' }, 3);
  for (let i = 0; i < REQUESTS * 3; i++) {
    fakes.openai.failNext(
      next() < 0.4
        ? PASS
        : pick(next, [
            { kind: 'status', status: 503 },
            { kind: 'status', status: 500 },
          ]),
    );
  }
}

describePostgres('hard cap under chaos across 3 processes', () => {
  let fakes: AllFakes;
  let cluster: Cluster;
  let sampler: Client;

  beforeAll(async () => {
    fakes = await startAllFakes();
    cluster = await startCluster(3, { ...fakes.env, ...ENV }, 'hardcap');
    sampler = new Client({ connectionString: cluster.databaseUrl });
    await sampler.connect();
  }, 120_000);

  afterAll(async () => {
    await sampler?.end();
    await cluster?.stop();
    await fakes?.close();
  });

  const committed = async (): Promise<{ billed: number; held: number; unknown: number }> => {
    const { rows } = await sampler.query<{ spend: string; reserved: string; unknown: string }>(
      `SELECT coalesce(sum(spend_micros), 0) AS spend, coalesce(sum(reserved_micros), 0) AS reserved,
              coalesce(sum(unknown_micros), 0) AS unknown FROM budget_months`,
    );
    return { billed: Number(rows[0]!.spend), held: Number(rows[0]!.reserved), unknown: Number(rows[0]!.unknown) };
  };

  it('billed + held + unknown never passes BUDGET_HARD_CAP_USD, and the end is whole: the bill covered, replay equal', async () => {
    const admin = cluster.clients[0]!;
    for (const user of USERS) await admin.grant(user, 1_000);
    scheduleFaults(fakes);

    // Sampled while the run goes, from the month's row every replica reserves against.
    const samples: number[] = [];
    let running = true;
    const sampling = (async () => {
      while (running) {
        const { billed, held, unknown } = await committed();
        samples.push(billed + held + unknown);
        await sleep(15);
      }
    })();

    const replies: Array<Reply & { user: string }> = [];
    for (let start = 0; start < REQUESTS; start += WAVE) {
      const wave = await spread(Math.min(WAVE, REQUESTS - start), cluster.clients, async (client, index) => {
        const user = USERS[(start + index) % USERS.length]!;
        const prompt = `hard cap ${start + index}: a harbour crane in the fog`;
        return { ...(await client.generate(user, { prompt, tier: 'premium' })), user };
      });
      replies.push(...wave);
    }
    running = false;
    await sampling;

    // Every request answered: nothing is held any more.
    const end = await committed();
    expect(end.held).toBe(0);
    expect(samples.length).toBeGreaterThan(20);
    expect(Math.max(...samples, end.billed + end.unknown)).toBeLessThanOrEqual(HARD_CAP_MICROS);

    // The run reached the cap, fell back and raised holds: the figures above were tested.
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThan(0);
    expect(replies.filter((reply) => reply.body?.code === 'budget_exhausted').length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status !== 201 && (status < 500 || status > 503))).toEqual([]);
    expect(replies.some((reply) => reply.status === 201 && reply.body.provider === 'fal')).toBe(true);
    const events = (await Promise.all(USERS.map((user) => admin.events(user)))).flat();
    expect(events.filter((event) => event.type === 'ReservationHoldRaised').length).toBeGreaterThan(0);

    // Nothing lost: what the providers billed is covered by billed and unknown spend.
    const bill =
      sum(fakes.openai.bill.map((entry) => priceOf('openai', entry))) +
      sum(fakes.fal.bill.map((entry) => priceOf('fal', entry)));
    expect(end.billed + end.unknown).toBeGreaterThanOrEqual(bill);

    // Users pay for the images they received, once each.
    for (const user of USERS) {
      const delivered = replies.filter((reply) => reply.user === user && reply.status === 201);
      const own = events.filter((event) => event.streamId === `account-${user}`);
      expect(own.filter((event) => event.type === 'ReservationCaptured').length).toBe(delivered.length);
      expect(await admin.credits(user)).toMatchObject({ paidCredits: 1_000 - delivered.length, reservedCredits: 0 });
    }

    // Replaying every projection from the events gives the live rows.
    const rebuilt = await admin.call('POST', '/v1/admin/projections/rebuild', { json: { verify: true } });
    expect(rebuilt.status).toBe(200);
    expect(
      (rebuilt.body.projections as Array<{ name: string; differences?: number }>).filter((p) => p.differences !== 0),
    ).toEqual([]);
    expect(await committed()).toEqual(end);
  }, 180_000);
});
