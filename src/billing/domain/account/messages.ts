import type { Tier } from '../../../config/app-config';
import type { Message } from '../message';
import type { PurchaseCommand, PurchaseEvent } from './purchase-messages';

export * from './purchase-messages';

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

/**
 * The reservation holds more of the month's budget: a generation's next provider call (a retry
 * after a call of unknown outcome, or the fallback to another provider) would cost more than the
 * hold has left, and the hard cap allowed the difference. `heldMicros` is the hold after it.
 */
export type ReservationHoldRaised = Message<
  'ReservationHoldRaised',
  { reservationId: string; addedMicros: number; heldMicros: number; raisedAt: string }
>;

/** Recorded beside a free CreditsReserved for the usage views; the balance reads CreditsReserved. */
export type QuotaConsumed = Message<'QuotaConsumed', { reservationId: string; day: string; usedToday: number }>;

/**
 * The image was delivered. `credits` are the paid credits charged (those of the tier that served,
 * at most what was held); `returnedCredits` the rest of the hold, given back (a Premium reservation
 * served by Standard). `costMicros` is everything the provider billed for the generation, every
 * attempt included; `unknownMicros` the price of attempts whose outcome is not known. The optional
 * fields are absent from events recorded before they existed, and count as 0 (tier: the reserved one).
 */
export type ReservationCaptured = Message<
  'ReservationCaptured',
  {
    reservationId: string;
    kind: ReservationKind;
    credits: number;
    returnedCredits?: number;
    servedTier?: Tier;
    costMicros: number;
    unknownMicros?: number;
    capturedAt: string;
  }
>;

/**
 * Nothing delivered: the hold goes back to the user. The month still counts what the provider calls
 * cost: `billedMicros` (work the provider did, e.g. an image billed but not stored) and
 * `unknownMicros` (attempts of unknown outcome at their price; for an expired reservation its whole
 * price, as the call may have started in a process that died). Absent on older events: 0.
 */
export type ReservationReleased = Message<
  'ReservationReleased',
  {
    reservationId: string;
    kind: ReservationKind;
    credits: number;
    reason: ReleaseReason;
    billedMicros?: number;
    unknownMicros?: number;
    releasedAt: string;
  }
>;

export type AccountEvent =
  | CreditsGranted
  | CreditsReserved
  | ReservationHoldRaised
  | QuotaConsumed
  | ReservationCaptured
  | ReservationReleased
  | PurchaseEvent;

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

/** Sent before a provider call the open reservation's hold does not cover; the caller checks the hard cap. */
export type RaiseReservationHold = Message<
  'RaiseReservationHold',
  { reservationId: string; addedMicros: number; now: Date }
>;

/**
 * `servedTier` and `servedTierCredits` (what a paid image of that tier costs) charge the tier that
 * served when it is not the one reserved; the rest of the hold is returned.
 */
export type CaptureReservation = Message<
  'CaptureReservation',
  {
    reservationId: string;
    costMicros: number;
    unknownMicros?: number;
    servedTier?: Tier;
    servedTierCredits?: number;
    now: Date;
  }
>;

/** Expiry is the job's to record (ExpireReservations), so a caller releases for these reasons only. */
export type ReleaseReservation = Message<
  'ReleaseReservation',
  {
    reservationId: string;
    reason: Exclude<ReleaseReason, 'expired'>;
    billedMicros?: number;
    unknownMicros?: number;
    now: Date;
  }
>;

export type ExpireReservations = Message<'ExpireReservations', { now: Date }>;

export type AccountCommand =
  | GrantCredits
  | ReserveCredits
  | RaiseReservationHold
  | CaptureReservation
  | ReleaseReservation
  | ExpireReservations
  | PurchaseCommand;
