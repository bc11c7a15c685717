import { nextUtcMidnight, utcDayOf } from '../../../common/utc-time';
import type { AccountState } from './state';

/** The grant an earlier GrantCredits with this externalId made (the idempotent answer). */
export function grantIdForExternalId(state: AccountState, externalId: string): string | undefined {
  return Object.hasOwn(state.grantIdByExternalId, externalId) ? state.grantIdByExternalId[externalId] : undefined;
}

export function freeUsedOn(state: AccountState, day: string): number {
  return Object.hasOwn(state.freeUsedByDay, day) ? state.freeUsedByDay[day] : 0;
}

export interface CreditStatus {
  readonly freeRemainingToday: number;
  readonly paidCredits: number;
  readonly reservedCredits: number;
  readonly quotaResetsAt: string;
}

/** The account part of `GET /v1/credits` (API.md), as of `now`. */
export function creditStatus(state: AccountState, now: Date, freeDailyQuota: number): CreditStatus {
  return {
    freeRemainingToday: Math.max(0, freeDailyQuota - freeUsedOn(state, utcDayOf(now))),
    paidCredits: state.availableCredits,
    reservedCredits: state.reservedCredits,
    quotaResetsAt: nextUtcMidnight(now).toISOString(),
  };
}
