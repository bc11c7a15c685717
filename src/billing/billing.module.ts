import { Module } from '@nestjs/common';
import { BillingService } from './billing.service';
import { BillingJobs } from './billing.jobs';
import { BILLING_HANDLERS } from './billing.handlers';
import { ExpiryListeners } from './expire-reservations/expiry-listeners';
import { CreditsController } from './credits/credits.controller';
import { AdminBillingController } from './admin/admin-billing.controller';

@Module({
  controllers: [CreditsController, AdminBillingController],
  providers: [BillingService, BillingJobs, ExpiryListeners, ...BILLING_HANDLERS],
  exports: [BillingService, BillingJobs, ExpiryListeners],
})
export class BillingModule {}
