import { parseConfig, type AppConfig } from '../../src/config/app-config';
import { FakeClock } from '../../src/common/clock';
import { RandomIdGenerator } from '../../src/common/ids';
import type { Database } from '../../src/database/database';
import { EventStore } from '../../src/event-store/event-store';
import { BillingService } from '../../src/billing/billing.service';

/** The billing service on a real database without HTTP, for integration tests. */
export function billingOn(database: Database, env: Record<string, string> = {}, clock = new FakeClock()) {
  const config: AppConfig = parseConfig(env);
  const store = new EventStore(database, clock);
  const billing = new BillingService(config, store, database, clock, new RandomIdGenerator());
  billing.onModuleInit();
  return { billing, store, clock, config };
}
