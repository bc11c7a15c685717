import { Client } from 'pg';
import { randomBytes } from 'node:crypto';

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Decides once per run which PostgreSQL the integration suites use, and tells the workers. */
export default async function globalSetup(): Promise<void> {
  const candidate = process.env.DATABASE_URL ?? LOCAL_POSTGRES;
  const reachable = await answers(candidate);
  process.env.GENLEDGER_TEST_RUN = randomBytes(4).toString('hex');
  if (reachable) {
    process.env.GENLEDGER_TEST_PG_URL = candidate;
    return;
  }
  if (process.env.CI === 'true' || process.env.DATABASE_URL) {
    throw new Error(`PostgreSQL is required for this run but ${redact(candidate)} does not answer`);
  }
  delete process.env.GENLEDGER_TEST_PG_URL;
  console.warn(
    '\n[genledger] No PostgreSQL answers at DATABASE_URL or 127.0.0.1:5432: integration suites run on PGlite ' +
      'and the PostgreSQL-only suites (concurrency, multi-process) are SKIPPED.\n',
  );
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
