import { setTimeout as sleep } from 'node:timers/promises';
import { withClient } from '../../bench/support/scratch-database';
import { BillingJobs } from '../../src/billing/billing.jobs';
import { Database } from '../../src/database/database';
import { ALL_MIGRATIONS } from '../../src/migrations';
import { startAllFakes, type AllFakes } from '../fakes';
import { createTestDatabase, describePostgres } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import { spread, startCluster, type Cluster } from './support/cluster';
import { auditUsers } from './support/ledger-audit';
import { until } from './support/crash-scenario';

describePostgres('scheduled jobs across replicas on one PostgreSQL', () => {
  describe('the expiry job on 3 spawned replicas, every second', () => {
    let fakes: AllFakes;
    let cluster: Cluster;

    beforeAll(async () => {
      fakes = await startAllFakes();
      fakes.openai.setLatency(2500);
      // A reservation must outlive the provider deadline by 15 s, so the provider can no longer be
      // slower than the reservation in a live process: it is slower than the deadline instead.
      cluster = await startCluster(
        3,
        { ...fakes.env, RESERVATION_TIMEOUT_SECONDS: '16', PROVIDER_DEADLINE_SECONDS: '1', JOB_INTERVAL_SECONDS: '1' },
        'jobs',
      );
    }, 120_000);

    afterAll(async () => {
      await cluster?.stop();
      await fakes?.close();
    });

    it('a provider slower than the deadline: the call is cut, released exactly once by its own process, nobody charged', async () => {
      const users = Array.from({ length: 9 }, (_, i) => `slow-provider-${i}`);
      const replies = await spread(users.length, cluster.clients, (client, i) =>
        client.call('POST', '/v1/generations', {
          user: users[i],
          json: { prompt: `slower than its deadline ${i}` },
          timeoutMs: 60_000,
        }),
      );
      // Long enough for the expiry job to have run on every replica; it must find nothing to release.
      await sleep(2500);
      const { ledgers, problems } = await auditUsers(cluster.clients[0]!, users, {
        freeDailyQuota: 3,
        expectAllSettled: true,
        uniquePrompts: true,
      });
      const releases = ledgers.flatMap((ledger) => [...ledger.reservations.values()].map((r) => r.releases.join(',')));
      const providerCalls = fakes.openai.requests.filter((r) => r.path === '/v1/images/generations').length;
      const budget = await cluster.clients[0]!.budget();

      expect(problems).toEqual([]);
      expect(releases).toEqual(Array(users.length).fill('failed'));
      expect(replies.map((reply) => [reply.status, reply.body?.code, reply.body?.reason])).toEqual(
        Array(users.length).fill([502, 'provider_failed', 'timeout']),
      );
      // No fallback after the deadline: at most one call each (on a busy machine a deadline can pass
      // before its call is sent), and the provider still worked on and bills every call it got.
      expect(providerCalls).toBeGreaterThan(0);
      expect(providerCalls).toBeLessThanOrEqual(users.length);
      expect(fakes.fal.requests).toEqual([]);
      await until(() => fakes.openai.bill.length === providerCalls, 10_000, 'the fake to bill the late images');
      expect(budget.reservedUsd).toBe(0);
    }, 120_000);
  });

  describe('three in-process instances of BillingJobs on one database', () => {
    let databases: Database[];
    let instances: TestApp[];
    let url: string;

    beforeAll(async () => {
      url = await createTestDatabase('jobs_once');
      databases = [];
      for (let i = 0; i < 3; i++) databases.push(await Database.open({ url, migrations: ALL_MIGRATIONS }));
      // One after the other: replicas starting together on an empty database race in the migrations.
      instances = [];
      for (const database of databases) instances.push(await startTestApp({ database }));
    }, 120_000);

    afterAll(async () => {
      await Promise.all((instances ?? []).map((instance) => instance.close()));
      await Promise.all((databases ?? []).map((database) => database.close()));
    });

    const jobsOf = (instance: TestApp): BillingJobs => instance.app.get(BillingJobs);

    it('once(): while one instance runs a job, the others skip it (advisory lock)', async () => {
      let running = 0;
      let mostAtOnce = 0;
      const returned = instances.map(() => {
        let resolve!: () => void;
        const promise = new Promise<void>((done) => (resolve = done));
        return { promise, resolve };
      });
      const results = await Promise.all(
        instances.map(async (instance, i) => {
          const result = await jobsOf(instance).once('exclusivity-probe', async () => {
            mostAtOnce = Math.max(mostAtOnce, ++running);
            // Held until every other instance has come back from its attempt (or long enough).
            await Promise.race([Promise.all(returned.filter((_, j) => j !== i).map((r) => r.promise)), sleep(5000)]);
            running -= 1;
            return 'ran';
          });
          returned[i]!.resolve();
          return result;
        }),
      );
      expect(results.filter((result) => result === 'ran')).toHaveLength(1);
      expect(mostAtOnce).toBe(1);
    }, 60_000);

    it('the daily quota reset fired on all three at midnight records one DailyQuotaReset', async () => {
      await Promise.all(instances.map((instance) => jobsOf(instance).dailyQuotaReset()));
      await Promise.all(instances.map((instance) => jobsOf(instance).dailyQuotaReset()));
      const count = await withClient(url, async (client) =>
        Number((await client.query(`select count(*) from events where type = 'DailyQuotaReset'`)).rows[0].count),
      );
      expect(count).toBe(1);
    }, 60_000);
  });
});
