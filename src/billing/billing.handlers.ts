import { CommandHandler, QueryHandler, type ICommandHandler, type IQueryHandler } from '@nestjs/cqrs';
import { BillingService } from './billing.service';
import { ReserveCredits } from './reserve-credits/reserve-credits.command';
import {
  CaptureReservation,
  ReleaseReservation,
  SettleLateCost,
} from './settle-reservation/settle-reservation.commands';
import { GetCreditStatus } from './read-models/account-balances/get-credit-status.query';
import { GetBudget } from './read-models/budget-months/get-budget.query';
import type { BudgetView } from './domain/budget';
import type { CreditStatusView, Reservation } from './reservation';

@CommandHandler(ReserveCredits)
export class ReserveCreditsHandler implements ICommandHandler<ReserveCredits, Reservation> {
  constructor(private readonly billing: BillingService) {}
  execute(command: ReserveCredits): Promise<Reservation> {
    return this.billing.reserve(command.request);
  }
}

@CommandHandler(CaptureReservation)
export class CaptureReservationHandler implements ICommandHandler<CaptureReservation, void> {
  constructor(private readonly billing: BillingService) {}
  execute(c: CaptureReservation): Promise<void> {
    return this.billing.capture(c.reservation, c.costMicros, c.metadata, c.tx);
  }
}

@CommandHandler(ReleaseReservation)
export class ReleaseReservationHandler implements ICommandHandler<ReleaseReservation, void> {
  constructor(private readonly billing: BillingService) {}
  execute(c: ReleaseReservation): Promise<void> {
    return this.billing.release(c.reservation, c.metadata, c.tx);
  }
}

@CommandHandler(SettleLateCost)
export class SettleLateCostHandler implements ICommandHandler<SettleLateCost, void> {
  constructor(private readonly billing: BillingService) {}
  async execute(c: SettleLateCost): Promise<void> {
    if (!c.tx) throw new Error('SettleLateCost needs the caller transaction');
    return this.billing.settleLateCost(c.reservation, c.costMicros, c.metadata, c.tx);
  }
}

@QueryHandler(GetCreditStatus)
export class GetCreditStatusHandler implements IQueryHandler<GetCreditStatus, CreditStatusView> {
  constructor(private readonly billing: BillingService) {}
  execute(q: GetCreditStatus): Promise<CreditStatusView> {
    return this.billing.status(q.userId, q.at);
  }
}

@QueryHandler(GetBudget)
export class GetBudgetHandler implements IQueryHandler<GetBudget, { month: string; view: BudgetView }> {
  constructor(private readonly billing: BillingService) {}
  execute(q: GetBudget): Promise<{ month: string; view: BudgetView }> {
    return this.billing.budget(q.at, { fresh: q.fresh });
  }
}

/** Interim: the contract's commands and queries served by BillingService until each has its own use case. */
export const BILLING_HANDLERS = [
  ReserveCreditsHandler,
  CaptureReservationHandler,
  ReleaseReservationHandler,
  SettleLateCostHandler,
  GetCreditStatusHandler,
  GetBudgetHandler,
];
