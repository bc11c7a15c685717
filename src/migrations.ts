import type { MigrationInterface } from 'typeorm';
import { CreateEventStore1764000000000 } from './event-store/migrations/1764000000000-create-event-store';
import { LockedStreamRead1764000001000 } from './event-store/migrations/1764000001000-locked-stream-read';
import { BillingReadModels1764000000100 } from './billing/migrations/1764000000100-billing-read-models';
import { BudgetMonths1764000000110 } from './billing/migrations/1764000000110-budget-months';
import { BudgetUnknownSpend1764000000120 } from './billing/migrations/1764000000120-budget-unknown-spend';
import { AccountDebt1764000000130 } from './billing/migrations/1764000000130-account-debt';
import { CreditPurchases1764000000140 } from './billing/migrations/1764000000140-credit-purchases';
import { Generation1764000000200 } from './generation/migrations/1764000000200-generation';
import { Selections1764000000300 } from './generation/migrations/1764000000300-selections';
import { FlightResults1764000000310 } from './generation/migrations/1764000000310-flight-results';
import { PrintSizeClaims1764000000320 } from './generation/migrations/1764000000320-print-size-claims';
import { UsageLogView1764000000800 } from './analytics/migrations/1764000000800-usage-log-view';
import { AlertOutbox1764000000900 } from './alerts/migrations/1764000000900-alert-outbox';

/** Every schema change, in order. The schema changes only through these (never `synchronize`). */
export const ALL_MIGRATIONS: ReadonlyArray<new () => MigrationInterface> = [
  CreateEventStore1764000000000,
  BillingReadModels1764000000100,
  BudgetMonths1764000000110,
  BudgetUnknownSpend1764000000120,
  AccountDebt1764000000130,
  CreditPurchases1764000000140,
  Generation1764000000200,
  Selections1764000000300,
  FlightResults1764000000310,
  PrintSizeClaims1764000000320,
  UsageLogView1764000000800,
  AlertOutbox1764000000900,
  LockedStreamRead1764000001000,
];
