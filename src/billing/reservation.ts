import type { Tier } from '../config/app-config';
import type { Sql } from '../database/database';
import type { EventMetadata } from '../event-store/event-types';
import type { ReservationKind } from './domain/account';

/** What the billing module hands out and takes back: the public shape of a reservation. */
export interface Reservation {
  readonly reservationId: string;
  readonly userId: string;
  readonly month: string;
  readonly charge: ReservationKind;
  readonly credits: number;
  /** The tier the budget allows for this request (Standard when Premium was downgraded). */
  readonly tier: Tier;
  readonly downgraded: boolean;
  readonly priceMicros: number;
}

export type ReservationRef = Pick<Reservation, 'reservationId' | 'userId' | 'month'>;

export interface ReserveRequest {
  readonly userId: string;
  readonly requestedTier: Tier;
  readonly premiumPriceMicros: number;
  readonly standardPriceMicros: number;
  readonly generationId?: string;
  readonly metadata: EventMetadata;
  /**
   * Statements that commit with the reservation, in its transaction (the generation's request), so
   * a cache miss records both in one commit. They run once the account has decided the charge and
   * before its events are appended, so the month's budget row, which the append's projection takes,
   * is not held while they run. Run again if the reservation is made again.
   */
  readonly alongside?: (tx: Sql, reservation: Reservation) => Promise<void>;
  /**
   * Statements run first in the reservation's transaction, before the account's lock and the
   * month's row are taken (a check that may roll the reservation back), so the row is held for no
   * longer than the statements that need the reservation.
   */
  readonly first?: (tx: Sql) => Promise<void>;
}

export interface ExpiredReservation {
  readonly reservationId: string;
  readonly userId: string;
  readonly generationId: string | null;
}

/** `GET /v1/credits` (API.md). */
export interface CreditStatusView {
  readonly userId: string;
  readonly freeRemainingToday: number;
  readonly freeDailyQuota: number;
  readonly paidCredits: number;
  readonly reservedCredits: number;
  readonly monthlySpend: number;
  readonly monthlyCap: number;
  readonly tier: Tier;
  readonly quotaResetsAt: string;
}

/**
 * What provider calls cost beside a reservation's own price: `billedMicros` for calls the provider
 * did the work for (and bills), `unknownMicros` at the attempt's price for calls whose outcome is
 * not known (timeout, dropped connection, 5xx after acceptance). The budget counts both.
 */
export interface ProviderSpend {
  readonly billedMicros: number;
  readonly unknownMicros: number;
}

export const NO_SPEND: ProviderSpend = { billedMicros: 0, unknownMicros: 0 };
