import { Command } from '@nestjs/cqrs';
import type { Sql } from '../../database/database';
import type { EventMetadata } from '../../event-store/event-types';
import type { ReservationRef } from '../reservation';

/**
 * Settling a reservation. `tx`, when given, is the caller's open transaction: the settlement
 * commits or rolls back with what the caller records beside it (the generation's outcome).
 */
export class CaptureReservation extends Command<void> {
  constructor(
    readonly reservation: ReservationRef,
    readonly costMicros: number,
    readonly metadata: EventMetadata,
    readonly tx?: Sql,
  ) {
    super();
  }
}

export class ReleaseReservation extends Command<void> {
  constructor(
    readonly reservation: ReservationRef,
    readonly metadata: EventMetadata,
    readonly tx?: Sql,
  ) {
    super();
  }
}

/**
 * The provider was paid for a reservation that expired meanwhile: the user keeps the image free
 * (their reservation was already released), but the month's spend still records the cost.
 */
export class SettleLateCost extends Command<void> {
  constructor(
    readonly reservation: ReservationRef,
    readonly costMicros: number,
    readonly metadata: EventMetadata,
    readonly tx?: Sql,
  ) {
    super();
  }
}
