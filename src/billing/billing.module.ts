import { Module } from '@nestjs/common';
import { BillingService } from './billing.service';
import { BillingJobs } from './billing.jobs';
import { ExpiryListeners } from './expire-reservations/expiry-listeners';
import { CreditsController } from './credits/credits.controller';
import { AdminBillingController } from './admin/admin-billing.controller';

@Module({
  controllers: [CreditsController, AdminBillingController],
  providers: [BillingService, BillingJobs, ExpiryListeners],
  exports: [BillingService, BillingJobs, ExpiryListeners],
})
export class BillingModule {}
