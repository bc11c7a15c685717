import { GenledgerClient } from '../../../bench/support/genledger-client';
import { startGenledger, type ChildService } from '../../../bench/support/service-process';
import { createTestDatabase } from '../../support/test-database';

/**
 * Several `node dist/src/main.js` processes on one fresh PostgreSQL database: replicas behind a
 * load balancer, as far as the database is concerned. `npm test` builds dist first.
 */
export interface Cluster {
  readonly databaseUrl: string;
  readonly replicas: ChildService[];
  readonly clients: GenledgerClient[];
  /** Replica `index` again, on its old port, after it exited or was killed. */
  restart(index: number): Promise<void>;
  stop(): Promise<void>;
}

/** Generation requests are bounded by the test, not by the per-user limiter. */
const BASE_ENV = { RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'info' };

export async function startCluster(
  replicaCount: number,
  env: Record<string, string>,
  label = 'cluster',
): Promise<Cluster> {
  const databaseUrl = await createTestDatabase(label);
  const environment = { ...BASE_ENV, ...env, DATABASE_URL: databaseUrl };
  // The first replica runs the migrations alone; the others then start against a ready schema.
  const replicas = [await startGenledger(environment)];
  replicas.push(...(await Promise.all(Array.from({ length: replicaCount - 1 }, () => startGenledger(environment)))));
  const clients = replicas.map((replica) => new GenledgerClient(replica.url));
  return {
    databaseUrl,
    replicas,
    clients,
    async restart(index) {
      const old = replicas[index]!;
      await old.stop(1000);
      replicas[index] = await startGenledger(environment, { port: old.port });
      clients[index] = new GenledgerClient(replicas[index]!.url);
    },
    async stop() {
      await Promise.all(replicas.map((replica) => replica.stop()));
    },
  };
}

/** Every `count` requests round-robin over the replicas, all in flight at once. */
export function spread<T>(
  count: number,
  clients: readonly GenledgerClient[],
  send: (client: GenledgerClient, index: number) => Promise<T>,
): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => send(clients[index % clients.length]!, index)));
}
