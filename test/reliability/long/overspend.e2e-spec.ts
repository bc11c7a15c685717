import { startAllFakes, type AllFakes } from '../../fakes';
import { describePostgres } from '../../support/test-database';
import { startCluster, type Cluster } from '../support/cluster';
import { creditsBurst, FREE_DAILY_QUOTA, hardCapBurst } from '../support/overspend-scenario';

const USERS = 10;
const PAID_CREDITS = 27;
const REQUESTS = 500;
const PREMIUM_PRICE_USD = 0.04;

describePostgres('overspend, long: 500 concurrent generations across 3 processes', () => {
  let fakes: AllFakes;
  let cluster: Cluster;

  beforeAll(async () => {
    fakes = await startAllFakes();
    cluster = await startCluster(3, { ...fakes.env, BUDGET_MONTHLY_CAP_USD: '1000', BUDGET_HARD_CAP_USD: '1000' }, 'overspend_long');
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await fakes?.close();
  });

  it(`${REQUESTS} requests from ${USERS} users holding ${FREE_DAILY_QUOTA} free + ${PAID_CREDITS} paid each: exactly their credits are charged`, async () => {
    const capacity = USERS * (FREE_DAILY_QUOTA + PAID_CREDITS);
    const burst = await creditsBurst(cluster, fakes, { label: 'long-credits', users: USERS, paidCredits: PAID_CREDITS, requests: REQUESTS });

    expect(burst.problems).toEqual([]);
    expect(burst.statuses).toEqual({ 201: capacity, 402: REQUESTS - capacity });
    expect(burst.chargedPerUser).toEqual(Array(USERS).fill(FREE_DAILY_QUOTA + PAID_CREDITS));
    for (const balance of burst.balances) expect(balance).toMatchObject({ paidCredits: 0, reservedCredits: 0, freeRemainingToday: 0 });
    expect(burst.providerCalls).toBe(capacity);
    expect(burst.spendUsd).toBeCloseTo(capacity * PREMIUM_PRICE_USD, 6);
  }, 900_000);

  it(`${REQUESTS} requests against a hard cap with $5 of headroom: spend never passes it`, async () => {
    const headroomUsd = 5;
    const burst = await hardCapBurst(cluster, { label: 'long-capped', users: USERS, requests: REQUESTS, headroomUsd });

    expect(burst.problems).toEqual([]);
    expect(Object.keys(burst.statuses).sort()).toEqual(['201', '503']);
    expect(Object.keys(burst.codes)).toEqual(['budget_exhausted']);
    expect(burst.budget.spendUsd).toBeLessThanOrEqual(burst.capUsd);
    expect(burst.budget.reservedUsd).toBe(0);
    expect(burst.chargedCostUsd).toBeGreaterThan(headroomUsd - PREMIUM_PRICE_USD);
  }, 900_000);
});
