import { Command } from '@nestjs/cqrs';
import type { ExpiredReservation } from '../reservation';

/**
 * Releases every reservation whose timeout has passed (the scheduled job), then tells the expiry
 * listeners; answers with what it released. `limit`: users per run (each user's due reservations
 * are released together); the rest wait for the next run.
 */
export class ExpireReservations extends Command<ExpiredReservation[]> {
  constructor(readonly limit = 500) {
    super();
  }
}
