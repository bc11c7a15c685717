import { startAllFakes, type AllFakes } from '../../fakes';
import { describePostgres } from '../../support/test-database';
import { startCluster, type Cluster } from '../support/cluster';
import { providerChaos } from '../support/chaos-scenario';

describePostgres(
  'provider chaos, long: 400 requests over 3 spawned replicas with production resilience settings',
  () => {
    let fakes: AllFakes;
    let cluster: Cluster;

    beforeAll(async () => {
      fakes = await startAllFakes();
      cluster = await startCluster(3, { ...fakes.env }, 'chaos_long');
    }, 120_000);

    afterAll(async () => {
      await cluster?.stop();
      await fakes?.close();
    });

    // No slow faults: the spawned service waits 60 s per attempt before calling a provider dead.
    it('every failed request is uncharged, every success charged once for an image that downloads', async () => {
      const outcome = await providerChaos(cluster.clients, fakes, { seed: 11, users: 12, requests: 400, wave: 60 });

      expect(outcome.problems).toEqual([]);
      expect(Object.keys(outcome.statuses).filter((status) => !['201', '502', '503'].includes(status))).toEqual([]);
      expect(outcome.succeeded).toBeGreaterThan(0);
      expect(outcome.failed).toBeGreaterThan(0);
    }, 900_000);
  },
);
