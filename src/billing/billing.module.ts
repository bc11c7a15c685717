import { Module } from '@nestjs/common';
import { AdminBillingController } from './admin/admin-billing.controller';
import { BillingJobs } from './billing.jobs';
import { JobLock } from '../database/job-lock';
import { CreditsController } from './credits/credits.controller';
import { CreateCheckoutController } from './checkout/create-checkout.controller';
import { CreateCheckoutHandler } from './checkout/create-checkout.handler';
import { StripeGateway } from './checkout/stripe-gateway';
import { HandleStripeWebhookHandler } from './stripe-webhook/handle-stripe-webhook.handler';
import { StripeWebhookController } from './stripe-webhook/stripe-webhook.controller';
import { GetCreditPacksHandler } from './credit-packs/get-credit-packs.handler';
import { EvaluateBudgetHandler } from './evaluate-budget/evaluate-budget.handler';
import { ExpireReservationsHandler } from './expire-reservations/expire-reservations.handler';
import { ExpiryFailures } from './expire-reservations/expiry-failures';
import { ExpiryListeners } from './expire-reservations/expiry-listeners';
import { GetExpiryFailuresHandler } from './expire-reservations/get-expiry-failures.handler';
import { GrantCreditsHandler } from './grant-credits/grant-credits.handler';
import { GetCreditStatusHandler } from './read-models/account-balances/get-credit-status.handler';
import { BudgetViews } from './read-models/budget-months/budget-views';
import { GetBudgetOverviewHandler } from './read-models/budget-months/get-budget-overview.handler';
import { GetBudgetHandler } from './read-models/budget-months/get-budget.handler';
import { GetPurchasesHandler } from './read-models/purchases/get-purchases.handler';
import { GetUserEventsHandler } from './read-models/user-events/get-user-events.handler';
import { RaiseReservationHoldHandler } from './raise-hold/raise-reservation-hold.handler';
import { HardCapRefusals } from './reserve-credits/hard-cap-refusals';
import { ReserveCreditsHandler } from './reserve-credits/reserve-credits.handler';
import { ResetDailyQuotaHandler } from './reset-daily-quota/reset-daily-quota.handler';
import { SetBudgetCapHandler } from './set-budget-cap/set-budget-cap.handler';
import { CaptureReservationHandler } from './settle-reservation/capture-reservation.handler';
import { ReleaseReservationHandler } from './settle-reservation/release-reservation.handler';
import { SettleLateCostHandler } from './settle-reservation/settle-late-cost.handler';
import { AccountStream } from './streams/account-stream';
import { BudgetStream } from './streams/budget-stream';
import { MonthStart } from './streams/month-start';

/** The billing use cases' handlers and the collaborators they share (without controllers or jobs). */
export const BILLING_PROVIDERS = [
  AccountStream,
  BudgetStream,
  BudgetViews,
  MonthStart,
  HardCapRefusals,
  ExpiryListeners,
  ExpiryFailures,
  ReserveCreditsHandler,
  RaiseReservationHoldHandler,
  CaptureReservationHandler,
  ReleaseReservationHandler,
  SettleLateCostHandler,
  GrantCreditsHandler,
  SetBudgetCapHandler,
  EvaluateBudgetHandler,
  ExpireReservationsHandler,
  GetExpiryFailuresHandler,
  ResetDailyQuotaHandler,
  GetCreditStatusHandler,
  GetBudgetHandler,
  GetBudgetOverviewHandler,
  GetUserEventsHandler,
  GetCreditPacksHandler,
  StripeGateway,
  CreateCheckoutHandler,
  HandleStripeWebhookHandler,
  GetPurchasesHandler,
];

/**
 * Credits, free quota, reservations, budget and the jobs. Other modules dispatch its commands and
 * queries on the bus (reserve-credits, settle-reservation, GetCreditStatus, GetBudget), add
 * expiry listeners and run their own jobs through its job lock (one database session per process).
 */
@Module({
  controllers: [CreditsController, CreateCheckoutController, StripeWebhookController, AdminBillingController],
  providers: [...BILLING_PROVIDERS, BillingJobs, JobLock],
  exports: [BillingJobs, ExpiryListeners, JobLock, BudgetViews],
})
export class BillingModule {}
