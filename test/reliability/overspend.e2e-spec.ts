import { startAllFakes, type AllFakes } from '../fakes';
import { describePostgres } from '../support/test-database';
import { startCluster, type Cluster } from './support/cluster';
import {
  creditsBurst,
  expectCreditsChargedExactly,
  expectHardCapHeld,
  FREE_DAILY_QUOTA,
  hardCapBurst,
} from './support/overspend-scenario';

const USERS = 10;
const PAID_CREDITS = 7;
const REQUESTS = 150;

describePostgres('overspend: concurrent generations across 3 processes on one PostgreSQL', () => {
  let fakes: AllFakes;
  let cluster: Cluster;

  beforeAll(async () => {
    fakes = await startAllFakes();
    cluster = await startCluster(
      3,
      { ...fakes.env, BUDGET_MONTHLY_CAP_USD: '1000', BUDGET_HARD_CAP_USD: '1000' },
      'overspend',
    );
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await fakes?.close();
  });

  it(`${REQUESTS} requests from ${USERS} users holding ${FREE_DAILY_QUOTA} free + ${PAID_CREDITS} paid each: exactly their credits are charged`, async () => {
    const burst = await creditsBurst(cluster, fakes, {
      label: 'credits',
      users: USERS,
      paidCredits: PAID_CREDITS,
      requests: REQUESTS,
    });
    expectCreditsChargedExactly(burst, { users: USERS, paidCredits: PAID_CREDITS, requests: REQUESTS });
  }, 300_000);

  it('the monthly hard cap stops paid provider calls mid-burst: spend never passes it, refusals charge nothing', async () => {
    const headroomUsd = 2;
    const burst = await hardCapBurst(cluster, { label: 'capped', users: USERS, requests: REQUESTS, headroomUsd });
    expectHardCapHeld(burst, headroomUsd);
  }, 300_000);
});
