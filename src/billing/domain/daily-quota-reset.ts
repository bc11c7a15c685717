import type { Message } from './message';

// The midnight job's record of a new UTC day, one stream per day. Informational: the quota of a
// day is computed from the clock, never from this event.

export function dailyQuotaResetStreamId(day: string): string {
  return `quota-reset-${day}`;
}

export type DailyQuotaReset = Message<'DailyQuotaReset', { day: string }>;

/** `day` is the UTC day the job runs in. */
export type ResetDailyQuota = Message<'ResetDailyQuota', { day: string }>;

export type DailyQuotaResetState = Readonly<{ recorded: boolean }>;

/** Records the day once, so the job can run again (or on another replica) and add nothing. */
export const dailyQuotaResetDecider = {
  decide(command: ResetDailyQuota, state: DailyQuotaResetState): readonly DailyQuotaReset[] {
    return state.recorded ? [] : [{ type: 'DailyQuotaReset', data: { day: command.data.day } }];
  },
  evolve(): DailyQuotaResetState {
    return { recorded: true };
  },
  initialState(): DailyQuotaResetState {
    return { recorded: false };
  },
};
