import { DomainError } from '../../common/domain-error';
import type { Tier } from '../../config/app-config';
import { assertWholeNumber } from './money';
import { dayBefore, nextUtcMidnight, utcDayOf } from '../../common/utc-time';

// A user's credits: free daily quota, paid credits and two-phase reservations (DESIGN.md).

export function accountStreamId(userId: string): string {
  return `account-${userId}`;
}

export type ReservationKind = 'free' | 'paid';
export type ReleaseReason = 'failed' | 'expired' | 'cancelled';

/** Commands and events are plain readonly data tagged with the type string the store keeps. */
type Message<Type extends string, Data> = Readonly<{ type: Type; data: Readonly<Data> }>;

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

/** Informational: the quota of a day is computed from the clock, never from this event. */
export type DailyQuotaReset = Message<'DailyQuotaReset', { day: string }>;

export type AccountEvent =
  | CreditsGranted
  | CreditsReserved
  | QuotaConsumed
  | ReservationCaptured
  | ReservationReleased
  | DailyQuotaReset;

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

export type RecordDailyQuotaReset = Message<'RecordDailyQuotaReset', { now: Date }>;

export type AccountCommand =
  | GrantCredits
  | ReserveCredits
  | CaptureReservation
  | ReleaseReservation
  | ExpireReservations
  | RecordDailyQuotaReset;

// ---- state --------------------------------------------------------------------------------

export type OpenReservation = Readonly<{
  reservationId: string;
  kind: ReservationKind;
  credits: number;
  day: string;
  expiresAt: string;
}>;

export type SettledReservation = Readonly<
  { reservationId: string; at: string } & ({ status: 'captured' } | { status: 'released'; reason: ReleaseReason })
>;

/** Plain JSON (arrays and records), so it can be snapshotted as is. */
export type AccountState = Readonly<{
  /** Paid credits that can be reserved now. */
  availableCredits: number;
  /** Paid credits held by open reservations. */
  reservedCredits: number;
  capturedCredits: number;
  grantedCredits: number;
  /** Free units in use (reserved or captured) per UTC day; only the two latest days are kept. */
  freeUsedByDay: Readonly<Record<string, number>>;
  openReservations: readonly OpenReservation[];
  /** The latest settlements, newest last, to say "already captured" rather than "unknown". */
  recentlySettled: readonly SettledReservation[];
  grantIdByExternalId: Readonly<Record<string, string>>;
  lastQuotaResetDay: string | null;
}>;

/**
 * A repeated capture or release comes from a retry seconds later; remembering the last few
 * keeps that message precise without the state growing with the account's whole history.
 * Older ones are still refused, as unknown.
 */
const SETTLEMENTS_REMEMBERED = 50;

export function initialState(): AccountState {
  return {
    availableCredits: 0,
    reservedCredits: 0,
    capturedCredits: 0,
    grantedCredits: 0,
    freeUsedByDay: {},
    openReservations: [],
    recentlySettled: [],
    grantIdByExternalId: {},
    lastQuotaResetDay: null,
  };
}

// ---- decide -------------------------------------------------------------------------------

export function decide(command: AccountCommand, state: AccountState): readonly AccountEvent[] {
  switch (command.type) {
    case 'GrantCredits':
      return grant(command.data, state);
    case 'ReserveCredits':
      return reserve(command.data, state);
    case 'CaptureReservation': {
      const { reservationId, costMicros, now } = command.data;
      assertWholeNumber('costMicros', costMicros, 0);
      const open = openReservationToSettle(state, reservationId, now, 'captured');
      return [
        {
          type: 'ReservationCaptured',
          data: { reservationId, kind: open.kind, credits: open.credits, costMicros, capturedAt: now.toISOString() },
        },
      ];
    }
    case 'ReleaseReservation': {
      const { reservationId, reason, now } = command.data;
      const open = openReservationToSettle(state, reservationId, now, 'released');
      return [released(open, reason, now)];
    }
    case 'ExpireReservations': {
      const { now } = command.data;
      return (
        state.openReservations
          .filter((open) => hasExpired(open, now))
          // Ids are unique, so ties on the expiry still sort the same way on every replay.
          .sort(
            (a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt) || (a.reservationId < b.reservationId ? -1 : 1),
          )
          .map((open) => released(open, 'expired', now))
      );
    }
    case 'RecordDailyQuotaReset': {
      const day = utcDayOf(command.data.now);
      if (state.lastQuotaResetDay !== null && day <= state.lastQuotaResetDay) return [];
      return [{ type: 'DailyQuotaReset', data: { day } }];
    }
    default:
      return unreachable(command);
  }
}

function grant(command: GrantCredits['data'], state: AccountState): readonly AccountEvent[] {
  assertWholeNumber('credits', command.credits, 1);
  const externalId = command.externalId ?? null;
  if (externalId !== null && grantIdForExternalId(state, externalId) !== undefined) return [];
  return [
    {
      type: 'CreditsGranted',
      data: {
        grantId: command.grantId,
        credits: command.credits,
        reason: command.reason,
        externalId,
        grantedAt: command.now.toISOString(),
      },
    },
  ];
}

/** Free quota first, then paid credits (DESIGN.md); the unit is taken before the provider is called. */
function reserve(command: ReserveCredits['data'], state: AccountState): readonly AccountEvent[] {
  assertWholeNumber('creditsPerTier', command.creditsPerTier, 1);
  assertWholeNumber('freeDailyQuota', command.freeDailyQuota, 0);
  assertWholeNumber('timeoutSeconds', command.timeoutSeconds, 1);
  assertWholeNumber('priceMicros', command.priceMicros, 0);
  const { reservationId, now } = command;
  if (findOpen(state, reservationId) || findSettled(state, reservationId)) {
    throw new DomainError('invalid_state', `Reservation ${reservationId} already exists`, { reservationId });
  }
  const day = utcDayOf(now);
  const usedToday = freeUsedOn(state, day);
  const reservation = {
    reservationId,
    tier: command.tier,
    day,
    reservedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + command.timeoutSeconds * 1000).toISOString(),
    generationId: command.generationId ?? null,
    priceMicros: command.priceMicros,
  };
  if (usedToday < command.freeDailyQuota) {
    return [
      { type: 'CreditsReserved', data: { ...reservation, kind: 'free', credits: 0 } },
      { type: 'QuotaConsumed', data: { reservationId, day, usedToday: usedToday + 1 } },
    ];
  }
  if (state.availableCredits >= command.creditsPerTier) {
    return [{ type: 'CreditsReserved', data: { ...reservation, kind: 'paid', credits: command.creditsPerTier } }];
  }
  throw new DomainError(
    'insufficient_credits',
    `No free images left today and ${state.availableCredits} paid credits available; ${command.creditsPerTier} needed`,
    {
      freeRemainingToday: 0,
      paidCredits: state.availableCredits,
      requiredCredits: command.creditsPerTier,
      quotaResetsAt: nextUtcMidnight(now).toISOString(),
    },
  );
}

/** The single gate that keeps a reservation from being settled twice or after its timeout. */
function openReservationToSettle(
  state: AccountState,
  reservationId: string,
  now: Date,
  outcome: 'captured' | 'released',
): OpenReservation {
  const open = findOpen(state, reservationId);
  if (open) {
    if (hasExpired(open, now)) {
      throw new DomainError(
        'invalid_state',
        `Reservation ${reservationId} expired at ${open.expiresAt} and can no longer be ${outcome}`,
        { reservationId, expiresAt: open.expiresAt },
      );
    }
    return open;
  }
  const settled = findSettled(state, reservationId);
  if (settled) {
    const how = settled.status === 'captured' ? 'captured' : `released (${settled.reason})`;
    throw new DomainError('invalid_state', `Reservation ${reservationId} was already ${how} at ${settled.at}`, {
      reservationId,
      status: settled.status,
    });
  }
  throw new DomainError('not_found', `No open reservation ${reservationId} on this account`, { reservationId });
}

function released(open: OpenReservation, reason: ReleaseReason, now: Date): ReservationReleased {
  return {
    type: 'ReservationReleased',
    data: {
      reservationId: open.reservationId,
      kind: open.kind,
      credits: open.credits,
      reason,
      releasedAt: now.toISOString(),
    },
  };
}

// ---- evolve -------------------------------------------------------------------------------

export function evolve(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'CreditsGranted': {
      const { grantId, credits, externalId } = event.data;
      return {
        ...state,
        availableCredits: state.availableCredits + credits,
        grantedCredits: state.grantedCredits + credits,
        grantIdByExternalId:
          externalId === null ? state.grantIdByExternalId : { ...state.grantIdByExternalId, [externalId]: grantId },
      };
    }
    case 'CreditsReserved': {
      const { reservationId, kind, credits, day, expiresAt } = event.data;
      const openReservations = [...state.openReservations, { reservationId, kind, credits, day, expiresAt }];
      if (kind === 'free') {
        return { ...state, openReservations, freeUsedByDay: addFreeUse(state.freeUsedByDay, day, 1) };
      }
      return {
        ...state,
        openReservations,
        availableCredits: state.availableCredits - credits,
        reservedCredits: state.reservedCredits + credits,
      };
    }
    case 'QuotaConsumed':
      return state;
    case 'ReservationCaptured': {
      const { reservationId, capturedAt } = event.data;
      const open = findOpen(state, reservationId);
      if (!open) return state;
      return {
        ...settle(state, { reservationId, status: 'captured', at: capturedAt }),
        reservedCredits: state.reservedCredits - open.credits,
        capturedCredits: state.capturedCredits + open.credits,
      };
    }
    case 'ReservationReleased': {
      const { reservationId, reason, releasedAt } = event.data;
      const open = findOpen(state, reservationId);
      if (!open) return state;
      const next = settle(state, { reservationId, status: 'released', reason, at: releasedAt });
      if (open.kind === 'free') return { ...next, freeUsedByDay: addFreeUse(state.freeUsedByDay, open.day, -1) };
      return {
        ...next,
        reservedCredits: state.reservedCredits - open.credits,
        availableCredits: state.availableCredits + open.credits,
      };
    }
    case 'DailyQuotaReset':
      return { ...state, lastQuotaResetDay: event.data.day };
    default:
      return unreachable(event);
  }
}

function settle(state: AccountState, settled: SettledReservation): AccountState {
  return {
    ...state,
    openReservations: state.openReservations.filter((open) => open.reservationId !== settled.reservationId),
    recentlySettled: [...state.recentlySettled, settled].slice(-SETTLEMENTS_REMEMBERED),
  };
}

/**
 * Keeps the latest day and the one before: a replica whose clock is a little behind may still
 * decide for yesterday after someone reserved for today, and must see yesterday's real count.
 */
function addFreeUse(byDay: AccountState['freeUsedByDay'], day: string, delta: number): AccountState['freeUsedByDay'] {
  if (delta < 0 && !Object.hasOwn(byDay, day)) return byDay;
  const counts = { ...byDay, [day]: (Object.hasOwn(byDay, day) ? byDay[day] : 0) + delta };
  const oldestKept = dayBefore(Object.keys(counts).reduce((latest, d) => (d > latest ? d : latest)));
  return Object.fromEntries(Object.entries(counts).filter(([d]) => d >= oldestKept));
}

/** The aggregate as the command handler and the tests take it. */
export const accountDecider = { decide, evolve, initialState };

// ---- queries ------------------------------------------------------------------------------

/** The grant an earlier GrantCredits with this externalId made (the idempotent answer). */
export function grantIdForExternalId(state: AccountState, externalId: string): string | undefined {
  return Object.hasOwn(state.grantIdByExternalId, externalId) ? state.grantIdByExternalId[externalId] : undefined;
}

export function freeUsedOn(state: AccountState, day: string): number {
  return Object.hasOwn(state.freeUsedByDay, day) ? state.freeUsedByDay[day] : 0;
}

function findOpen(state: AccountState, reservationId: string): OpenReservation | undefined {
  return state.openReservations.find((open) => open.reservationId === reservationId);
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

function findSettled(state: AccountState, reservationId: string): SettledReservation | undefined {
  return state.recentlySettled.find((settled) => settled.reservationId === reservationId);
}

function hasExpired(open: OpenReservation, now: Date): boolean {
  return Date.parse(open.expiresAt) <= now.getTime();
}

function unreachable(value: never): never {
  throw new Error(`Unhandled account message ${JSON.stringify(value)}`);
}
