import { startAllFakes, type AllFakes } from '../../fakes';
import { describePostgres } from '../../support/test-database';
import { startCluster, type Cluster } from '../support/cluster';
import {
  creditsBurst,
  expectCreditsChargedExactly,
  expectHardCapHeld,
  FREE_DAILY_QUOTA,
  hardCapBurst,
} from '../support/overspend-scenario';

const USERS = 10;
const PAID_CREDITS = 27;
const REQUESTS = 500;

describePostgres('overspend, long: 500 concurrent generations across 3 processes', () => {
  let fakes: AllFakes;
  let cluster: Cluster;

  beforeAll(async () => {
    fakes = await startAllFakes();
    cluster = await startCluster(
      3,
      { ...fakes.env, BUDGET_MONTHLY_CAP_USD: '1000', BUDGET_HARD_CAP_USD: '1000' },
      'overspend_long',
    );
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await fakes?.close();
  });

  it(`${REQUESTS} requests from ${USERS} users holding ${FREE_DAILY_QUOTA} free + ${PAID_CREDITS} paid each: exactly their credits are charged`, async () => {
    const burst = await creditsBurst(cluster, fakes, {
      label: 'long-credits',
      users: USERS,
      paidCredits: PAID_CREDITS,
      requests: REQUESTS,
    });
    expectCreditsChargedExactly(burst, { users: USERS, paidCredits: PAID_CREDITS, requests: REQUESTS });
  }, 900_000);

  it(`${REQUESTS} requests against a hard cap with $5 of headroom: spend never passes it`, async () => {
    const headroomUsd = 5;
    const burst = await hardCapBurst(cluster, { label: 'long-capped', users: USERS, requests: REQUESTS, headroomUsd });
    expectHardCapHeld(burst, headroomUsd);
  }, 900_000);
});
