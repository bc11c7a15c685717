import { parseConfig } from '../config/app-config';
import { openDatabase } from '../core.module';
import { SystemClock } from '../common/clock';
import type { Database } from '../database/database';
import { EventStore } from '../event-store/event-store';
import { ALL_PROJECTIONS } from '../projections';
import type { CliContext } from './command';

/** The context of the real CLI: the service's own configuration, database and projections. */
export function serviceContext(env: NodeJS.ProcessEnv): CliContext & { close(): Promise<void> } {
  let database: Promise<Database> | undefined;
  let store: Promise<EventStore> | undefined;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    projections: () => ALL_PROJECTIONS,
    store() {
      store ??= (async () => {
        database = openDatabase(parseConfig(env));
        const opened = await database;
        await opened.migrate();
        return new EventStore(opened, new SystemClock());
      })();
      return store;
    },
    async close() {
      if (database) await (await database.catch(() => undefined))?.close();
    },
  };
}
