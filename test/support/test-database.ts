import { Client } from 'pg';
import { randomBytes } from 'node:crypto';

/** The PostgreSQL chosen by the global setup, or undefined when the run is on PGlite only. */
function postgresAdminUrl(): string | undefined {
  return process.env.GENLEDGER_TEST_PG_URL;
}

export const hasPostgres = (): boolean => postgresAdminUrl() !== undefined;

/**
 * `describe` for suites that prove PostgreSQL-only guarantees (concurrency across connections,
 * several processes). Without PostgreSQL they are skipped with a reason (never under CI=true:
 * the global setup fails first).
 */
export const describePostgres: jest.Describe = (hasPostgres() ? describe : describe.skip) as jest.Describe;

/** A fresh, empty database on the test PostgreSQL; dropped by the global teardown. */
export async function createTestDatabase(label = 'db'): Promise<string> {
  const adminUrl = postgresAdminUrl();
  if (!adminUrl) throw new Error('createTestDatabase needs PostgreSQL (use describePostgres)');
  const name = `genledger_t_${process.env.GENLEDGER_TEST_RUN ?? 'x'}_${label.replace(/\W/g, '').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
