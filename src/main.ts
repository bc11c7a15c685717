import './config/thread-pool';
import 'reflect-metadata';
import { ConfigError, parseConfig, type AppConfig } from './config/app-config';
import { createRootLogger } from './common/logging';
import { createApp } from './bootstrap';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createRootLogger(config.logLevel);
  const app = await createApp({ config, logger });
  await app.listen({ port: config.port, host: config.host });
  const address = await app.getUrl();
  const database = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}/pglite`;
  logger.info(
    { url: address, database, auth: config.auth.mode },
    `genledger listening on ${address} (make images: ${address}/, docs: ${address}/docs, dashboard: ${address}/dashboard)`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`genledger failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
