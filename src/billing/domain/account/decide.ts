import { DomainError } from '../../../common/domain-error';
import { nextUtcMidnight, utcDayOf } from '../../../common/utc-time';
import { assertWholeNumber } from '../money';
import type {
  AccountCommand,
  AccountEvent,
  CaptureReservation,
  GrantCredits,
  ReleaseReason,
  ReservationReleased,
  ReserveCredits,
} from './messages';
import { findOpen, findSettled, hasExpired, unreachable, type AccountState, type OpenReservation } from './state';
import { decidePurchase } from './purchase-decide';
import { freeUsedOn, grantIdForExternalId } from './views';

export function decide(command: AccountCommand, state: AccountState): readonly AccountEvent[] {
  switch (command.type) {
    case 'GrantCredits':
      return grant(command.data, state);
    case 'ReserveCredits':
      return reserve(command.data, state);
    case 'RaiseReservationHold': {
      const { reservationId, addedMicros, now } = command.data;
      assertWholeNumber('addedMicros', addedMicros, 1);
      const open = openReservationToSettle(state, reservationId, now, 'raised');
      return [
        {
          type: 'ReservationHoldRaised',
          data: { reservationId, addedMicros, heldMicros: open.priceMicros + addedMicros, raisedAt: now.toISOString() },
        },
      ];
    }
    case 'CaptureReservation':
      return capture(command.data, state);
    case 'ReleaseReservation': {
      const { reservationId, reason, billedMicros = 0, unknownMicros = 0, now } = command.data;
      assertWholeNumber('billedMicros', billedMicros, 0);
      assertWholeNumber('unknownMicros', unknownMicros, 0);
      const open = openReservationToSettle(state, reservationId, now, 'released');
      return [released(open, reason, now, { billedMicros, unknownMicros })];
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
          // The call may have started in a process that died: the month keeps its price as unknown.
          .map((open) => released(open, 'expired', now, { billedMicros: 0, unknownMicros: open.priceMicros }))
      );
    }
    case 'StartCheckout':
    case 'RecordPurchase':
    case 'RecordPurchaseFailure':
    case 'RecordPaymentReversal':
      return decidePurchase(command, state);
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
  const debt =
    state.debtCredits > 0
      ? `; paid credits are unusable until the ${state.debtCredits} credits owed for a refunded or disputed purchase are covered`
      : '';
  throw new DomainError(
    'insufficient_credits',
    `No free images left today and ${state.availableCredits} paid credits available; ${command.creditsPerTier} needed${debt}`,
    {
      freeRemainingToday: 0,
      paidCredits: state.availableCredits,
      requiredCredits: command.creditsPerTier,
      ...(state.debtCredits > 0 ? { debtCredits: state.debtCredits } : {}),
      quotaResetsAt: nextUtcMidnight(now).toISOString(),
    },
  );
}

/** The single gate that keeps a reservation from being settled (or raised) twice or after its timeout. */
function openReservationToSettle(
  state: AccountState,
  reservationId: string,
  now: Date,
  outcome: 'captured' | 'released' | 'raised',
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

/**
 * The user pays for the image received: a paid reservation served by another tier than the one
 * reserved is charged that tier's credits (never more than it holds) and gets the rest back.
 */
function capture(command: CaptureReservation['data'], state: AccountState): readonly AccountEvent[] {
  const { reservationId, costMicros, unknownMicros = 0, servedTier, servedTierCredits, now } = command;
  assertWholeNumber('costMicros', costMicros, 0);
  assertWholeNumber('unknownMicros', unknownMicros, 0);
  if (servedTierCredits !== undefined) assertWholeNumber('servedTierCredits', servedTierCredits, 1);
  const open = openReservationToSettle(state, reservationId, now, 'captured');
  const otherTier = servedTier !== undefined && servedTier !== open.tier;
  const credits =
    open.kind === 'paid' && otherTier && servedTierCredits !== undefined
      ? Math.min(open.credits, servedTierCredits)
      : open.credits;
  return [
    {
      type: 'ReservationCaptured',
      data: {
        reservationId,
        kind: open.kind,
        credits,
        ...(credits < open.credits ? { returnedCredits: open.credits - credits } : {}),
        ...(otherTier ? { servedTier } : {}),
        costMicros,
        ...(unknownMicros > 0 ? { unknownMicros } : {}),
        capturedAt: now.toISOString(),
      },
    },
  ];
}

function released(
  open: OpenReservation,
  reason: ReleaseReason,
  now: Date,
  spent: { billedMicros: number; unknownMicros: number },
): ReservationReleased {
  return {
    type: 'ReservationReleased',
    data: {
      reservationId: open.reservationId,
      kind: open.kind,
      credits: open.credits,
      reason,
      ...(spent.billedMicros > 0 ? { billedMicros: spent.billedMicros } : {}),
      ...(spent.unknownMicros > 0 ? { unknownMicros: spent.unknownMicros } : {}),
      releasedAt: now.toISOString(),
    },
  };
}
