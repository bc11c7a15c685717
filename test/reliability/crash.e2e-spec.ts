import { startAllFakes, type AllFakes } from '../fakes';
import { describePostgres } from '../support/test-database';
import { startCluster, type Cluster } from './support/cluster';
import { CRASH_ENV, crashMidGeneration, expectWholeAfterCrash } from './support/crash-scenario';

describePostgres('crash: a replica SIGKILLed between reservation and capture', () => {
  let fakes: AllFakes;
  let cluster: Cluster;

  beforeAll(async () => {
    fakes = await startAllFakes();
    cluster = await startCluster(2, { ...fakes.env, ...CRASH_ENV }, 'crash');
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await fakes?.close();
  });

  it('after restart, expiry and client retries, every user is whole or charged once for an image they can fetch', async () => {
    const outcome = await crashMidGeneration(cluster, fakes);
    expectWholeAfterCrash(outcome);
  }, 300_000);
});
