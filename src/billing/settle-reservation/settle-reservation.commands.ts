import { Command } from '@nestjs/cqrs';
import type { CreditStatusRow } from '../read-models/account-balances/credit-status.reads';
import type { Sql } from '../../database/database';
import type { EventMetadata } from '../../event-store/event-types';
import type { Tier } from '../../config/app-config';
import type { ProviderSpend, ReservationRef } from '../reservation';

/**
 * Settling a reservation. `tx`, when given, is the caller's open transaction: the settlement
 * commits or rolls back with what the caller records beside it (the generation's outcome).
 */
export class CaptureReservation extends Command<CreditStatusRow | undefined> {
  /**
   * `costMicros`: everything the provider billed for this generation, every attempt included
   * (Premium attempts before a fallback too). `options.unknownMicros`: attempts of unknown outcome,
   * at their price. `options.servedTier`: the tier whose image the user received; the user is
   * charged that tier's credits (a Premium request served by Standard pays Standard's). Answers
   * with the user's balance as the capture left it (for GetCreditStatus).
   */
  constructor(
    readonly reservation: ReservationRef,
    readonly costMicros: number,
    readonly metadata: EventMetadata,
    readonly tx?: Sql,
    readonly options: { readonly unknownMicros?: number; readonly servedTier?: Tier } = {},
  ) {
    super();
  }
}

export class ReleaseReservation extends Command<void> {
  /**
   * The user is charged nothing; `spent` is what provider calls of this failed generation cost
   * anyway (an image billed but not stored, attempts of unknown outcome), and the budget counts it.
   */
  constructor(
    readonly reservation: ReservationRef,
    readonly metadata: EventMetadata,
    readonly tx?: Sql,
    readonly spent?: ProviderSpend,
  ) {
    super();
  }
}

/**
 * The provider was paid for a reservation that expired meanwhile: the user keeps the image free
 * (their reservation was already released), but the month's spend still records the cost. The
 * expiry counted the reservation's hold as unknown spend; `resolvedUnknownMicros` is the part of
 * it the calls' known outcomes explain (the hold less what is still unknown), taken off unknown.
 */
export class SettleLateCost extends Command<void> {
  constructor(
    readonly reservation: ReservationRef,
    readonly costMicros: number,
    readonly metadata: EventMetadata,
    readonly tx?: Sql,
    readonly resolvedUnknownMicros = 0,
  ) {
    super();
  }
}
