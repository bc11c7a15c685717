import { startAllFakes, type AllFakes } from '../../fakes';
import { describePostgres } from '../../support/test-database';
import { startCluster, type Cluster } from '../support/cluster';
import {
  crashMidGeneration,
  expectWholeAfterCrash,
  PROVIDER_DEADLINE_SECONDS,
  RESERVATION_TIMEOUT_SECONDS,
} from '../support/crash-scenario';

describePostgres('crash, long: SIGKILL mid-generation with the production job schedule (every minute)', () => {
  let fakes: AllFakes;
  let cluster: Cluster;

  beforeAll(async () => {
    fakes = await startAllFakes();
    cluster = await startCluster(
      3,
      {
        ...fakes.env,
        RESERVATION_TIMEOUT_SECONDS: String(RESERVATION_TIMEOUT_SECONDS),
        PROVIDER_DEADLINE_SECONDS: String(PROVIDER_DEADLINE_SECONDS),
      },
      'crash_long',
    );
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await fakes?.close();
  });

  it('the minute job releases what the dead replica held; retries are charged once; images download', async () => {
    const outcome = await crashMidGeneration(cluster, fakes, { users: 15, expiryWaitMs: 150_000 });
    expectWholeAfterCrash(outcome);
  }, 600_000);
});
