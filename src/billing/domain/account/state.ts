import { dayBefore } from '../../../common/utc-time';
import type { Tier } from '../../../config/app-config';
import type { AccountEvent, ReleaseReason, ReservationKind } from './messages';
import { creditIn, evolvePurchase, type PurchaseFields } from './purchase-state';

export type OpenReservation = Readonly<{
  reservationId: string;
  kind: ReservationKind;
  credits: number;
  day: string;
  expiresAt: string;
  tier: Tier;
  /** What the reservation holds in the month's budget: its price, and every raise since. */
  priceMicros: number;
}>;

export type SettledReservation = Readonly<
  { reservationId: string; at: string } & ({ status: 'captured' } | { status: 'released'; reason: ReleaseReason })
>;

/** Plain JSON (arrays and records), so it can be snapshotted as is. */
export type AccountState = PurchaseFields &
  Readonly<{
    /** Paid credits that can be reserved now (0 while the account has debt). */
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
    debtCredits: 0,
    purchases: {},
  };
}

export function evolve(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'CreditsGranted': {
      const { grantId, credits, externalId } = event.data;
      return {
        ...creditIn(state, credits),
        grantedCredits: state.grantedCredits + credits,
        grantIdByExternalId:
          externalId === null ? state.grantIdByExternalId : { ...state.grantIdByExternalId, [externalId]: grantId },
      };
    }
    case 'CreditsReserved': {
      const { reservationId, kind, credits, day, expiresAt, tier, priceMicros } = event.data;
      const openReservations = [
        ...state.openReservations,
        { reservationId, kind, credits, day, expiresAt, tier, priceMicros },
      ];
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
    case 'ReservationHoldRaised': {
      const { reservationId, heldMicros } = event.data;
      return {
        ...state,
        openReservations: state.openReservations.map((open) =>
          open.reservationId === reservationId ? { ...open, priceMicros: heldMicros } : open,
        ),
      };
    }
    case 'QuotaConsumed':
      return state;
    case 'ReservationCaptured': {
      const { reservationId, capturedAt, credits, returnedCredits = 0 } = event.data;
      const open = findOpen(state, reservationId);
      if (!open) return state;
      // `credits` is what was charged; an older event charged the whole hold and says so.
      const charged = open.kind === 'free' ? 0 : credits;
      const returned = open.kind === 'free' ? 0 : returnedCredits;
      return creditIn(
        {
          ...settle(state, { reservationId, status: 'captured', at: capturedAt }),
          reservedCredits: state.reservedCredits - open.credits,
          capturedCredits: state.capturedCredits + charged,
        },
        returned,
      );
    }
    case 'ReservationReleased': {
      const { reservationId, reason, releasedAt } = event.data;
      const open = findOpen(state, reservationId);
      if (!open) return state;
      const next = settle(state, { reservationId, status: 'released', reason, at: releasedAt });
      if (open.kind === 'free') return { ...next, freeUsedByDay: addFreeUse(state.freeUsedByDay, open.day, -1) };
      return creditIn({ ...next, reservedCredits: state.reservedCredits - open.credits }, open.credits);
    }
    case 'CheckoutStarted':
    case 'CreditsPurchased':
    case 'CreditsPurchaseFailed':
    case 'CreditsTakenBack':
    case 'CreditsRestored':
      return evolvePurchase(state, event);
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

export function findOpen(state: AccountState, reservationId: string): OpenReservation | undefined {
  return state.openReservations.find((open) => open.reservationId === reservationId);
}

export function findSettled(state: AccountState, reservationId: string): SettledReservation | undefined {
  return state.recentlySettled.find((settled) => settled.reservationId === reservationId);
}

export function hasExpired(open: OpenReservation, now: Date): boolean {
  return Date.parse(open.expiresAt) <= now.getTime();
}

export function unreachable(value: never): never {
  throw new Error(`Unhandled account message ${JSON.stringify(value)}`);
}
