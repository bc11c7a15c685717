import { Command } from '@nestjs/cqrs';

/**
 * Records today's DailyQuotaReset for the audit trail (the midnight job); answers whether this
 * call recorded it. The free quota itself is computed from the clock, never from this record.
 */
export class ResetDailyQuota extends Command<boolean> {}
