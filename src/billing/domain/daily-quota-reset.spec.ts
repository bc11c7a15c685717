import { decider } from '../../../test/support/given-when-then';
import { dailyQuotaResetDecider, type DailyQuotaReset } from './daily-quota-reset';

const day = decider(dailyQuotaResetDecider);
const reset: DailyQuotaReset = { type: 'DailyQuotaReset', data: { day: '2026-11-24' } };

describe('daily quota reset', () => {
  it('records the day once, so the job can run again and add nothing', () => {
    day
      .given([])
      .when({ type: 'ResetDailyQuota', data: { day: '2026-11-24' } })
      .then([reset]);
    day
      .given([reset])
      .when({ type: 'ResetDailyQuota', data: { day: '2026-11-24' } })
      .then([]);
  });
});
