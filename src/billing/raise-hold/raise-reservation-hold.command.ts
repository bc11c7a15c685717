import { Command } from '@nestjs/cqrs';
import type { Sql } from '../../database/database';
import type { EventMetadata } from '../../event-store/event-types';
import type { ReservationRef } from '../reservation';

/**
 * Holds `addedMicros` more of the month's budget for an open reservation, before a provider call
 * its hold does not cover (a retry after a call of unknown outcome, the fallback to another
 * provider). Refused with `budget_exhausted` when the hard cap leaves no room: the call is then
 * not made. `tx`, when given, is the caller's open transaction.
 */
export class RaiseReservationHold extends Command<void> {
  constructor(
    readonly reservation: ReservationRef,
    readonly addedMicros: number,
    readonly metadata: EventMetadata,
    readonly tx?: Sql,
  ) {
    super();
  }
}
