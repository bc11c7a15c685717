import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { utcDayOf } from '../../common/utc-time';
import { handleCommand } from '../../event-store/command-handler';
import { EventStore } from '../../event-store/event-store';
import { dailyQuotaResetDecider, dailyQuotaResetStreamId } from '../domain/daily-quota-reset';
import { ResetDailyQuota } from './reset-daily-quota.command';

/** One stream per UTC day: replicas that fire together record the day once. */
@CommandHandler(ResetDailyQuota)
export class ResetDailyQuotaHandler implements ICommandHandler<ResetDailyQuota, boolean> {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  async execute(): Promise<boolean> {
    const day = utcDayOf(this.clock.now());
    const result = await handleCommand(
      this.store,
      dailyQuotaResetStreamId(day),
      dailyQuotaResetDecider,
      { type: 'ResetDailyQuota', data: { day } },
      { metadata: { actor: 'job:daily-quota-reset' } },
    );
    return result.newEvents.length > 0;
  }
}
