import type { Tier } from '../../../config/app-config';
import type { Message } from '../message';

// A user's credits: free daily quota, paid credits and two-phase reservations (DESIGN.md).

export type ReservationKind = 'free' | 'paid';
export type ReleaseReason = 'failed' | 'expired';

// ---- events -------------------------------------------------------------------------------

export type CreditsGranted = Message<
  'CreditsGranted',
  { grantId: string; credits: number; reason: string; externalId: string | null; grantedAt: string }
>;

export type CreditsReserved = Message<
  'CreditsReserved',
  {
    reservationId: string;
    kind: ReservationKind;
    /** Paid credits held; 0 for a free reservation. */
    credits: number;
    tier: Tier;
    /** UTC day of the reservation: a free unit belongs to this day whenever it is settled. */
    day: string;
    reservedAt: string;
    expiresAt: string;
    generationId: string | null;
    /** Provider price reserved, for the monthly budget. */
    priceMicros: number;
  }
>;

/** Recorded beside a free CreditsReserved for the usage views; the balance reads CreditsReserved. */
export type QuotaConsumed = Message<'QuotaConsumed', { reservationId: string; day: string; usedToday: number }>;

export type ReservationCaptured = Message<
  'ReservationCaptured',
  { reservationId: string; kind: ReservationKind; credits: number; costMicros: number; capturedAt: string }
>;

export type ReservationReleased = Message<
  'ReservationReleased',
  { reservationId: string; kind: ReservationKind; credits: number; reason: ReleaseReason; releasedAt: string }
>;

export type AccountEvent = CreditsGranted | CreditsReserved | QuotaConsumed | ReservationCaptured | ReservationReleased;

// ---- commands -----------------------------------------------------------------------------

export type GrantCredits = Message<
  'GrantCredits',
  { grantId: string; credits: number; reason: string; externalId?: string; now: Date }
>;

export type ReserveCredits = Message<
  'ReserveCredits',
  {
    reservationId: string;
    tier: Tier;
    /** Credits a paid reservation of this tier costs. */
    creditsPerTier: number;
    freeDailyQuota: number;
    timeoutSeconds: number;
    priceMicros: number;
    generationId?: string;
    now: Date;
  }
>;

export type CaptureReservation = Message<
  'CaptureReservation',
  { reservationId: string; costMicros: number; now: Date }
>;

/** Expiry is the job's to record (ExpireReservations), so a caller releases for these reasons only. */
export type ReleaseReservation = Message<
  'ReleaseReservation',
  { reservationId: string; reason: Exclude<ReleaseReason, 'expired'>; now: Date }
>;

export type ExpireReservations = Message<'ExpireReservations', { now: Date }>;

export type AccountCommand =
  | GrantCredits
  | ReserveCredits
  | CaptureReservation
  | ReleaseReservation
  | ExpireReservations;
