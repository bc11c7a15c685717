import { decider } from '../../../test/support/given-when-then';
import {
  accountDecider,
  creditStatus,
  grantIdForExternalId,
  type AccountEvent,
  type ReservationKind,
  type ReserveCredits,
} from './account';

const account = decider(accountDecider);
const QUOTA = 3;
const PRICE = 80_000;
const NOON = new Date('2026-11-24T12:00:00.000Z');

function at(iso: string): Date {
  return new Date(iso);
}

function plusSeconds(date: Date, seconds: number): string {
  return new Date(date.getTime() + seconds * 1000).toISOString();
}

function reserve(reservationId: string, now: Date, overrides: Partial<ReserveCredits['data']> = {}): ReserveCredits {
  return {
    type: 'ReserveCredits',
    data: {
      reservationId,
      tier: 'premium',
      creditsPerTier: 2,
      freeDailyQuota: QUOTA,
      timeoutSeconds: 120,
      priceMicros: PRICE,
      now,
      ...overrides,
    },
  };
}

function granted(credits: number, grantId = 'g1', externalId: string | null = null): AccountEvent {
  return {
    type: 'CreditsGranted',
    data: { grantId, credits, reason: 'purchase', externalId, grantedAt: NOON.toISOString() },
  };
}

function reserved(
  reservationId: string,
  now: Date,
  kind: ReservationKind,
  credits = 0,
  generationId: string | null = null,
): AccountEvent {
  return {
    type: 'CreditsReserved',
    data: {
      reservationId,
      kind,
      credits,
      tier: 'premium',
      day: now.toISOString().slice(0, 10),
      reservedAt: now.toISOString(),
      expiresAt: plusSeconds(now, 120),
      generationId,
      priceMicros: PRICE,
    },
  };
}

/** A free reservation as the decider records it: the reservation and the quota it used. */
function reservedFree(reservationId: string, now: Date, usedToday: number): AccountEvent[] {
  return [
    reserved(reservationId, now, 'free'),
    { type: 'QuotaConsumed', data: { reservationId, day: now.toISOString().slice(0, 10), usedToday } },
  ];
}

function captured(reservationId: string, now: Date, kind: ReservationKind, credits = 0): AccountEvent {
  return {
    type: 'ReservationCaptured',
    data: { reservationId, kind, credits, costMicros: PRICE, capturedAt: now.toISOString() },
  };
}

function released(
  reservationId: string,
  now: Date,
  kind: ReservationKind,
  credits = 0,
  reason: 'failed' | 'expired' = 'failed',
): AccountEvent {
  // An expired reservation's price stays in the month as unknown spend.
  const spent = reason === 'expired' ? { unknownMicros: PRICE } : {};
  return {
    type: 'ReservationReleased',
    data: { reservationId, kind, credits, reason, ...spent, releasedAt: now.toISOString() },
  };
}

/** The day's whole free quota, used at `now`. */
function freeQuotaUsed(now: Date, prefix = 'free'): AccountEvent[] {
  return [1, 2, 3].flatMap((n) => reservedFree(`${prefix}-${n}`, now, n));
}

describe('GrantCredits', () => {
  const grant = (externalId?: string) => ({
    type: 'GrantCredits' as const,
    data: { grantId: 'g2', credits: 10, reason: 'purchase', externalId, now: NOON },
  });

  it('adds paid credits, with or without an external id', () => {
    account
      .given([])
      .when(grant())
      .then([granted(10, 'g2')]);
    account
      .given([])
      .when(grant('pi_1'))
      .then([granted(10, 'g2', 'pi_1')]);
  });

  it('is idempotent by external id: a second grant changes nothing and points at the first', () => {
    const given = account.given([granted(5, 'g1', 'pi_1')]);
    given.when(grant('pi_1')).then([]);
    expect(grantIdForExternalId(given.state, 'pi_1')).toBe('g1');
    expect(creditStatus(given.state, NOON, QUOTA).paidCredits).toBe(5);
  });

  it('treats any external id as data, even one named like an object property', () => {
    const given = account.given([]);
    expect(grantIdForExternalId(given.state, 'constructor')).toBeUndefined();
    given.when(grant('constructor')).then([granted(10, 'g2', 'constructor')]);
    account
      .given([granted(5, 'g1', 'constructor')])
      .when(grant('constructor'))
      .then([]);
  });

  it.each([0, -1, 1.5])('refuses %p credits', (credits) => {
    account
      .given([])
      .when({ type: 'GrantCredits', data: { grantId: 'g', credits, reason: 'purchase', now: NOON } })
      .thenThrows('validation_failed', /credits/);
  });
});

describe('ReserveCredits', () => {
  it('spends a free unit first, even with paid credits, and records the quota used', () => {
    account
      .given([granted(10)])
      .when(reserve('r1', NOON, { generationId: 'gen_1' }))
      .then([
        reserved('r1', NOON, 'free', 0, 'gen_1'),
        { type: 'QuotaConsumed', data: { reservationId: 'r1', day: '2026-11-24', usedToday: 1 } },
      ]);
    account
      .given(reservedFree('r1', NOON, 1))
      .when(reserve('r2', NOON))
      .then(reservedFree('r2', NOON, 2));
  });

  it('holds the tier price in paid credits once the free quota is used', () => {
    account
      .given([granted(10), ...freeQuotaUsed(NOON)])
      .when(reserve('r4', NOON))
      .then([reserved('r4', NOON, 'paid', 2)]);
  });

  it('refuses with insufficient_credits when the quota is used and the credits do not cover the tier', () => {
    account
      .given([granted(1), ...freeQuotaUsed(NOON)])
      .when(reserve('r4', NOON))
      .thenThrows('insufficient_credits');
    account
      .given([])
      .when(reserve('r1', NOON, { freeDailyQuota: 0 }))
      .thenThrows('insufficient_credits');
  });

  it('counts credits held by open reservations as spent', () => {
    account
      .given([granted(3), ...freeQuotaUsed(NOON), reserved('r4', NOON, 'paid', 2)])
      .when(reserve('r5', NOON))
      .thenThrows('insufficient_credits');
  });

  it('gives a released free unit back to its day', () => {
    account
      .given([...freeQuotaUsed(NOON), released('free-2', NOON, 'free')])
      .when(reserve('r4', NOON))
      .then(reservedFree('r4', NOON, 3));
  });

  it('gives the full quota at 00:00 UTC without any DailyQuotaReset', () => {
    const midnight = at('2026-11-25T00:00:00.000Z');
    account
      .given(freeQuotaUsed(at('2026-11-24T23:59:59.999Z')))
      .when(reserve('r4', midnight))
      .then(reservedFree('r4', midnight, 1));
  });

  it('never adds a unit released after midnight to the new day', () => {
    const beforeMidnight = at('2026-11-24T23:59:00.000Z');
    const afterMidnight = at('2026-11-25T00:00:30.000Z');
    const given = account.given([
      ...freeQuotaUsed(beforeMidnight),
      ...freeQuotaUsed(afterMidnight, 'today'),
      released('free-1', afterMidnight, 'free'),
    ]);
    expect(creditStatus(given.state, afterMidnight, QUOTA).freeRemainingToday).toBe(0);
    given.when(reserve('r7', afterMidnight)).thenThrows('insufficient_credits');
  });

  it('refuses a reservation id that is already open or settled', () => {
    account
      .given(reservedFree('r1', NOON, 1))
      .when(reserve('r1', NOON))
      .thenThrows('invalid_state', /already exists/);
    account
      .given([...reservedFree('r1', NOON, 1), captured('r1', NOON, 'free')])
      .when(reserve('r1', NOON))
      .thenThrows('invalid_state', /already exists/);
  });

  it.each([
    ['creditsPerTier', 0],
    ['creditsPerTier', 1.5],
    ['freeDailyQuota', -1],
    ['timeoutSeconds', 0],
    ['priceMicros', -1],
    ['priceMicros', 0.5],
  ] as const)('refuses %s = %p', (field, value) => {
    account
      .given([granted(10)])
      .when(reserve('r1', NOON, { [field]: value }))
      .thenThrows('validation_failed', new RegExp(field));
  });
});

describe('CaptureReservation', () => {
  const capture = (reservationId: string, now = NOON, costMicros = PRICE) => ({
    type: 'CaptureReservation' as const,
    data: { reservationId, costMicros, now },
  });

  it('captures an open reservation at the provider cost', () => {
    account
      .given([granted(10), ...freeQuotaUsed(NOON), reserved('r4', NOON, 'paid', 2)])
      .when(capture('r4', NOON, 75_000))
      .then([
        {
          type: 'ReservationCaptured',
          data: { reservationId: 'r4', kind: 'paid', credits: 2, costMicros: 75_000, capturedAt: NOON.toISOString() },
        },
      ]);
  });

  it('charges the credits of the tier that served and gives the rest of the hold back', () => {
    const given = [granted(10), ...freeQuotaUsed(NOON), reserved('r4', NOON, 'paid', 3)];
    const servedByStandard = {
      type: 'CaptureReservation' as const,
      data: {
        reservationId: 'r4',
        costMicros: 120_000,
        unknownMicros: 40_000,
        servedTier: 'standard' as const,
        servedTierCredits: 1,
        now: NOON,
      },
    };
    const event: AccountEvent = {
      type: 'ReservationCaptured',
      data: {
        reservationId: 'r4',
        kind: 'paid',
        credits: 1,
        returnedCredits: 2,
        servedTier: 'standard',
        costMicros: 120_000,
        unknownMicros: 40_000,
        capturedAt: NOON.toISOString(),
      },
    };
    account.given(given).when(servedByStandard).then([event]);
    const state = account.given([...given, event]).state;
    expect(state).toMatchObject({ availableCredits: 9, reservedCredits: 0, capturedCredits: 1 });
  });

  it('charges the whole hold when the reserved tier served, and never more than the hold', () => {
    const given = [granted(10), ...freeQuotaUsed(NOON), reserved('r4', NOON, 'paid', 1)];
    const served = (servedTier: 'premium' | 'standard', servedTierCredits: number) => ({
      type: 'CaptureReservation' as const,
      data: { reservationId: 'r4', costMicros: 1, servedTier, servedTierCredits, now: NOON },
    });
    const charged = (events: readonly AccountEvent[]) =>
      events.map((e) => (e.type === 'ReservationCaptured' ? [e.data.credits, e.data.returnedCredits] : []));
    expect(charged(accountDecider.decide(served('premium', 5), account.given(given).state))).toEqual([[1, undefined]]);
    expect(charged(accountDecider.decide(served('standard', 5), account.given(given).state))).toEqual([[1, undefined]]);
  });

  it('counts a reservation made at 23:59:59 and captured after midnight for the day it was made', () => {
    const lastSecond = at('2026-11-24T23:59:59.000Z');
    const afterMidnight = at('2026-11-25T00:00:30.000Z');
    const given = freeQuotaUsed(lastSecond);
    account
      .given(given)
      .when(capture('free-3', afterMidnight))
      .then([captured('free-3', afterMidnight, 'free')]);

    const state = account.given([...given, captured('free-3', afterMidnight, 'free')]).state;
    expect(creditStatus(state, afterMidnight, QUOTA).freeRemainingToday).toBe(3);
    expect(creditStatus(state, at('2026-11-24T23:59:59.500Z'), QUOTA).freeRemainingToday).toBe(0);
  });

  it('refuses an unknown reservation', () => {
    account.given([]).when(capture('nope')).thenThrows('not_found', /nope/);
  });

  it('refuses a reservation already captured or released', () => {
    account
      .given([...reservedFree('r1', NOON, 1), captured('r1', NOON, 'free')])
      .when(capture('r1'))
      .thenThrows('invalid_state', /already captured/);
    account
      .given([...reservedFree('r1', NOON, 1), released('r1', NOON, 'free')])
      .when(capture('r1'))
      .thenThrows('invalid_state', /already released \(failed\)/);
  });

  it('refuses a reservation whose timeout has passed, released or not', () => {
    const expiry = at(plusSeconds(NOON, 120));
    account
      .given(reservedFree('r1', NOON, 1))
      .when(capture('r1', expiry))
      .thenThrows('invalid_state', /expired at/);
    account
      .given([...reservedFree('r1', NOON, 1), released('r1', expiry, 'free', 0, 'expired')])
      .when(capture('r1', expiry))
      .thenThrows('invalid_state', /already released \(expired\)/);
  });

  it('still refuses a settlement too old to be remembered, as unknown', () => {
    const history = Array.from({ length: 60 }, (_, n) => [
      ...reservedFree(`r${n}`, NOON, 1),
      released(`r${n}`, NOON, 'free'),
    ]).flat();
    account.given(history).when(capture('r0')).thenThrows('not_found');
    account.given(history).when(capture('r59')).thenThrows('invalid_state');
  });

  it('refuses a negative cost', () => {
    account
      .given(reservedFree('r1', NOON, 1))
      .when(capture('r1', NOON, -1))
      .thenThrows('validation_failed', /costMicros/);
  });
});

describe('ReleaseReservation', () => {
  const release = (reservationId: string, now = NOON) => ({
    type: 'ReleaseReservation' as const,
    data: { reservationId, reason: 'failed' as const, now },
  });

  it("records what the failed generation's provider calls cost, and still returns every credit", () => {
    const events = [granted(10), ...freeQuotaUsed(NOON), reserved('r4', NOON, 'paid', 2)];
    account
      .given(events)
      .when({
        type: 'ReleaseReservation',
        data: { reservationId: 'r4', reason: 'failed', billedMicros: 40_000, unknownMicros: 80_000, now: NOON },
      })
      .then([
        {
          type: 'ReservationReleased',
          data: {
            reservationId: 'r4',
            kind: 'paid',
            credits: 2,
            reason: 'failed',
            billedMicros: 40_000,
            unknownMicros: 80_000,
            releasedAt: NOON.toISOString(),
          },
        },
      ]);
  });

  it('releases an open reservation and returns its paid credits', () => {
    const events = [granted(10), ...freeQuotaUsed(NOON), reserved('r4', NOON, 'paid', 2)];
    account
      .given(events)
      .when(release('r4'))
      .then([released('r4', NOON, 'paid', 2)]);
    const state = account.given([...events, released('r4', NOON, 'paid', 2)]).state;
    expect(creditStatus(state, NOON, QUOTA)).toEqual({
      freeRemainingToday: 0,
      paidCredits: 10,
      reservedCredits: 0,
      quotaResetsAt: '2026-11-25T00:00:00.000Z',
    });
  });

  it('refuses an unknown, settled or expired reservation', () => {
    account.given([]).when(release('nope')).thenThrows('not_found');
    account
      .given([...reservedFree('r1', NOON, 1), captured('r1', NOON, 'free')])
      .when(release('r1'))
      .thenThrows('invalid_state', /already captured/);
    account
      .given([...reservedFree('r1', NOON, 1), released('r1', NOON, 'free')])
      .when(release('r1'))
      .thenThrows('invalid_state', /already released/);
    account
      .given(reservedFree('r1', NOON, 1))
      .when(release('r1', at(plusSeconds(NOON, 121))))
      .thenThrows('invalid_state', /expired/);
  });
});

describe('RaiseReservationHold', () => {
  const raise = (reservationId: string, addedMicros: number, now = NOON) => ({
    type: 'RaiseReservationHold' as const,
    data: { reservationId, addedMicros, now },
  });
  const raised = (reservationId: string, addedMicros: number, heldMicros: number): AccountEvent => ({
    type: 'ReservationHoldRaised',
    data: { reservationId, addedMicros, heldMicros, raisedAt: NOON.toISOString() },
  });

  it('adds to what an open reservation holds, each raise on the last', () => {
    const events = [granted(10), ...freeQuotaUsed(NOON), reserved('r4', NOON, 'paid', 2)];
    account
      .given(events)
      .when(raise('r4', 40_000))
      .then([raised('r4', 40_000, PRICE + 40_000)]);
    account
      .given([...events, raised('r4', 40_000, PRICE + 40_000)])
      .when(raise('r4', 3_000))
      .then([raised('r4', 3_000, PRICE + 43_000)]);
  });

  it('leaves credits alone, and an expired reservation keeps the whole raised hold as unknown spend', () => {
    const events = [granted(10), reserved('r4', NOON, 'paid', 2), raised('r4', 43_000, 123_000)];
    expect(creditStatus(account.given(events).state, NOON, QUOTA)).toMatchObject({
      paidCredits: 8,
      reservedCredits: 2,
    });
    const late = at(plusSeconds(NOON, 121));
    account
      .given(events)
      .when({ type: 'ExpireReservations', data: { now: late } })
      .then([
        {
          type: 'ReservationReleased',
          data: {
            reservationId: 'r4',
            kind: 'paid',
            credits: 2,
            reason: 'expired',
            unknownMicros: 123_000,
            releasedAt: late.toISOString(),
          },
        },
      ]);
  });

  it('refuses a settled, expired or unknown reservation, and an amount that is not a positive whole number', () => {
    account.given([]).when(raise('nope', 1)).thenThrows('not_found');
    account
      .given([...reservedFree('r1', NOON, 1), captured('r1', NOON, 'free')])
      .when(raise('r1', 1))
      .thenThrows('invalid_state', /already captured/);
    account
      .given(reservedFree('r1', NOON, 1))
      .when(raise('r1', 1, at(plusSeconds(NOON, 121))))
      .thenThrows('invalid_state', /expired at .* can no longer be raised/);
    account
      .given(reservedFree('r1', NOON, 1))
      .when(raise('r1', 0))
      .thenThrows('validation_failed', /addedMicros/);
    account
      .given(reservedFree('r1', NOON, 1))
      .when(raise('r1', 0.5))
      .thenThrows('validation_failed', /addedMicros/);
  });
});

describe('ExpireReservations', () => {
  const expire = (now: Date) => ({ type: 'ExpireReservations' as const, data: { now } });

  it('emits nothing when no reservation has timed out', () => {
    account.given([]).when(expire(NOON)).then([]);
    account
      .given(reservedFree('r1', NOON, 1))
      .when(expire(at(plusSeconds(NOON, 119))))
      .then([]);
  });

  it('releases, oldest first, every open reservation whose timeout has passed, and no other', () => {
    const later = at(plusSeconds(NOON, 60));
    const now = at(plusSeconds(NOON, 180));
    account
      .given([
        granted(10),
        ...reservedFree('r2', later, 1),
        ...reservedFree('r1', NOON, 2),
        ...reservedFree('done', NOON, 3),
        captured('done', NOON, 'free'),
        reserved('r3', NOON, 'paid', 2),
        reserved('young', now, 'paid', 2),
      ])
      .when(expire(now))
      .then([
        released('r1', now, 'free', 0, 'expired'),
        released('r3', now, 'paid', 2, 'expired'),
        released('r2', now, 'free', 0, 'expired'),
      ]);
  });
});

describe('creditStatus', () => {
  it('starts with the full quota and nothing paid', () => {
    expect(creditStatus(account.given([]).state, NOON, QUOTA)).toEqual({
      freeRemainingToday: 3,
      paidCredits: 0,
      reservedCredits: 0,
      quotaResetsAt: '2026-11-25T00:00:00.000Z',
    });
  });

  it('shows reserved credits apart from available ones, and captured ones as gone', () => {
    const state = account.given([
      granted(10),
      ...freeQuotaUsed(NOON),
      reserved('r4', NOON, 'paid', 2),
      reserved('r5', NOON, 'paid', 2),
      captured('r5', NOON, 'paid', 2),
    ]).state;
    expect(creditStatus(state, NOON, QUOTA)).toMatchObject({
      freeRemainingToday: 0,
      paidCredits: 6,
      reservedCredits: 2,
    });
  });

  it('keeps free use for the latest two days only', () => {
    const days = ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24'];
    const state = account.given(days.flatMap((day) => reservedFree(`r-${day}`, at(`${day}T12:00:00Z`), 1))).state;
    expect(Object.keys(state.freeUsedByDay)).toEqual(['2026-11-23', '2026-11-24']);
  });
});
