import { setTimeout as sleep } from 'node:timers/promises';
import { GenledgerClient, type Reply } from '../../../bench/support/genledger-client';
import { withClient } from '../../../bench/support/scratch-database';
import { startGenledger, type ChildService } from '../../../bench/support/service-process';
import { startAllFakes, type AllFakes } from '../../fakes';
import { until } from '../support/crash-scenario';
import { auditUsers, unreachableImages } from '../support/ledger-audit';
import { postgresBinaries, startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';

const binaries = postgresBinaries();
const OUTAGE_MS = 10_000;
const USERS = Array.from({ length: 6 }, (_, i) => `outage-user-${i}`);

interface Answer extends Reply {
  readonly phase: 'before' | 'outage' | 'after';
}

(binaries ? describe : describe.skip)(
  'database outage: PostgreSQL stopped for 10 s under load (a private cluster)',
  () => {
    let postgres: PrivatePostgres;
    let fakes: AllFakes;
    const replicas: ChildService[] = [];

    beforeAll(async () => {
      postgres = await startPrivatePostgres(binaries!);
      fakes = await startAllFakes();
      fakes.openai.setLatency(200);
      const env = {
        ...fakes.env,
        DATABASE_URL: postgres.url,
        RATE_LIMIT_PER_MINUTE: '1000000',
        RESERVATION_TIMEOUT_SECONDS: '20',
        PROVIDER_DEADLINE_SECONDS: '5',
        JOB_INTERVAL_SECONDS: '1',
      };
      replicas.push(await startGenledger(env));
      replicas.push(await startGenledger(env));
    }, 180_000);

    afterAll(async () => {
      try {
        await Promise.all(replicas.map((replica) => replica.stop()));
        await fakes?.close();
      } finally {
        postgres?.destroy();
      }
    });

    it('readiness goes 503 then 200, requests fail cleanly with problem+json, nobody is charged without an image', async () => {
      const clients = replicas.map((replica) => new GenledgerClient(replica.url));
      for (const user of USERS) await clients[0]!.grant(user, 1000);
      let phase: Answer['phase'] = 'before';
      let loading = true;
      const answers: Answer[] = [];
      const readiness: Array<{ phase: Answer['phase']; status: number }> = [];
      let sent = 0;
      const load = USERS.map(async (user, u) => {
        while (loading) {
          const at = phase;
          const reply = await clients[u % clients.length]!.call('POST', '/v1/generations', {
            user,
            json: { prompt: `outage prompt ${sent++}` },
            timeoutMs: 60_000,
          });
          answers.push({ ...reply, phase: at === phase ? at : 'outage' });
        }
      });
      const probe = (async () => {
        while (loading) {
          for (const client of clients)
            readiness.push({ phase, status: (await client.call('GET', '/health/ready', { timeoutMs: 5000 })).status });
          await sleep(250);
        }
      })();

      await sleep(4000);
      try {
        postgres.stop();
        phase = 'outage';
        await sleep(OUTAGE_MS);
      } finally {
        postgres.start();
      }
      await until(
        async () => {
          const statuses = await Promise.all(
            clients.map(async (client) => (await client.call('GET', '/health/ready', { timeoutMs: 5000 })).status),
          );
          return statuses.every((status) => status === 200);
        },
        60_000,
        'readiness after the outage',
      );
      phase = 'after';
      await sleep(5000);
      loading = false;
      await Promise.all([...load, probe]);

      await until(
        async () =>
          Number(
            (await withClient(postgres.url, (c) => c.query('select count(*) from open_reservations'))).rows[0].count,
          ) === 0,
        60_000,
        'open reservations to expire',
      );
      const { ledgers, problems } = await auditUsers(clients[0]!, USERS, {
        freeDailyQuota: 3,
        expectAllSettled: true,
        uniquePrompts: true,
      });
      problems.push(...(await unreachableImages(ledgers)));
      const unclean = answers.filter(
        (a) =>
          a.status === 0 ||
          (a.status >= 500 && a.headers.get('content-type')?.startsWith('application/problem+json') !== true),
      );

      expect(problems).toEqual([]);
      expect(unclean.map((a) => `${a.phase} ${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
      expect(answers.filter((a) => a.status !== 201 && a.status < 500)).toEqual([]);
      expect(answers.some((a) => a.phase === 'outage' && a.status >= 500)).toBe(true);
      expect(answers.some((a) => a.phase === 'after' && a.status === 201)).toBe(true);
      expect(readiness.some((r) => r.phase === 'outage' && r.status === 503)).toBe(true);
      expect(readiness.filter((r) => r.phase === 'after').every((r) => r.status === 200)).toBe(true);
      expect(replicas.every((replica) => replica.child.exitCode === null)).toBe(true);
    }, 300_000);
  },
);
