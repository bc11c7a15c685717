import { Command } from '@nestjs/cqrs';
import type { Reservation, ReserveRequest } from '../reservation';

/** Reserve one free unit or the tier's credits, and the provider price against the month's budget. */
export class ReserveCredits extends Command<Reservation> {
  constructor(readonly request: ReserveRequest) {
    super();
  }
}
