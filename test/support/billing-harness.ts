import { CommandBus, CqrsModule, QueryBus } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { BILLING_PROVIDERS } from '../../src/billing/billing.module';
import { EvaluateBudget } from '../../src/billing/evaluate-budget/evaluate-budget.command';
import { ExpireReservations } from '../../src/billing/expire-reservations/expire-reservations.command';
import { GetExpiryFailures } from '../../src/billing/expire-reservations/get-expiry-failures.query';
import { GrantCredits } from '../../src/billing/grant-credits/grant-credits.command';
import { GetCreditStatus } from '../../src/billing/read-models/account-balances/get-credit-status.query';
import { GetBudget } from '../../src/billing/read-models/budget-months/get-budget.query';
import type { ProviderSpend, ReservationRef, ReserveRequest } from '../../src/billing/reservation';
import { ReserveCredits } from '../../src/billing/reserve-credits/reserve-credits.command';
import { SetBudgetCap } from '../../src/billing/set-budget-cap/set-budget-cap.command';
import {
  CaptureReservation,
  ReleaseReservation,
} from '../../src/billing/settle-reservation/settle-reservation.commands';
import { FakeClock } from '../../src/common/clock';
import { parseConfig, type AppConfig } from '../../src/config/app-config';
import { CoreModule } from '../../src/core.module';
import type { Database } from '../../src/database/database';
import { EventStore } from '../../src/event-store/event-store';
import type { EventMetadata } from '../../src/event-store/event-types';

const opened: Array<{ close(): Promise<void> }> = [];

/** Closes every harness opened so far (before the database they share is closed). */
export async function closeBillingHarnesses(): Promise<void> {
  await Promise.all(opened.splice(0).map((module) => module.close()));
}

/**
 * The billing use cases on a real database without HTTP, for integration tests: each call
 * dispatches the command or query the service's controllers, jobs and generation flow send.
 */
export async function billingOn(database: Database, env: Record<string, string> = {}, clock = new FakeClock()) {
  const config: AppConfig = parseConfig(env);
  const module = await Test.createTestingModule({
    imports: [CqrsModule.forRoot(), CoreModule.forRoot({ config, database, clock })],
    providers: BILLING_PROVIDERS,
  }).compile();
  await module.init();
  opened.push(module);
  const commands = module.get(CommandBus);
  const queries = module.get(QueryBus);
  const billing = {
    reserve: (request: ReserveRequest) => commands.execute(new ReserveCredits(request)),
    capture: (
      reservation: ReservationRef,
      costMicros: number,
      metadata: EventMetadata,
      options?: CaptureReservation['options'],
    ) => commands.execute(new CaptureReservation(reservation, costMicros, metadata, undefined, options)),
    release: (reservation: ReservationRef, metadata: EventMetadata, spent?: ProviderSpend) =>
      commands.execute(new ReleaseReservation(reservation, metadata, undefined, spent)),
    grant: (userId: string, grant: GrantCredits['grant'], metadata: EventMetadata) =>
      commands.execute(new GrantCredits(userId, grant, metadata)),
    setBudgetCap: (capMicros: number | undefined, hardCapMicros: number | null | undefined, metadata: EventMetadata) =>
      commands.execute(new SetBudgetCap(capMicros, hardCapMicros, metadata)),
    evaluateBudget: () => commands.execute(new EvaluateBudget()),
    expireReservations: (userLimit?: number) => commands.execute(new ExpireReservations(userLimit)),
    status: (userId: string, at?: Date) => queries.execute(new GetCreditStatus(userId, at)),
    budget: (at?: Date, options: { fresh?: boolean } = {}) => queries.execute(new GetBudget(at, options.fresh)),
    expiryFailures: () => queries.execute(new GetExpiryFailures()),
  };
  return { billing, store: module.get(EventStore), clock, config };
}
