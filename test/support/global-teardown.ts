import { Client } from 'pg';

/** Drops the databases this run created (named with the run id). */
export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env.GENLEDGER_TEST_PG_URL;
  const run = process.env.GENLEDGER_TEST_RUN;
  if (!adminUrl || !run) return;
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [
      `genledger_t_${run}_%`,
    ]);
    for (const { datname } of rows) {
      await client.query(`drop database if exists "${datname}" with (force)`);
    }
  } finally {
    await client.end();
  }
}
