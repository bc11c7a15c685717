import { startGenledger, type ChildService } from '../../bench/support/service-process';
import { createTestDatabase, describePostgres } from '../support/test-database';

describePostgres('replicas deployed together', () => {
  it('three processes started at once on an empty database all become ready (one runs the migrations)', async () => {
    const url = await createTestDatabase('startup');
    const started = await Promise.allSettled([0, 1, 2].map(() => startGenledger({ DATABASE_URL: url })));
    const running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    try {
      const failures = started.flatMap((result) =>
        result.status === 'rejected'
          ? [
              String(result.reason)
                .split('\n')
                .find((line) => /failed/i.test(line)) ?? String(result.reason),
            ]
          : [],
      );
      expect(failures).toEqual([]);
      for (const replica of running) expect((await fetch(`${replica.url}/health/ready`)).status).toBe(200);
    } finally {
      await Promise.all(running.map((replica: ChildService) => replica.stop()));
    }
  }, 120_000);
});
