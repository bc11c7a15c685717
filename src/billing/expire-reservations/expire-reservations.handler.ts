import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { Database } from '../../database/database';
import type { EventMetadata } from '../../event-store/event-types';
import { dueReservations } from '../read-models/account-balances/account-balances.reads';
import type { ExpiredReservation } from '../reservation';
import { AccountStream } from '../streams/account-stream';
import { ExpireReservations } from './expire-reservations.command';
import { ExpiryListeners } from './expiry-listeners';

/** One transaction per user: the account decides which of its reservations have expired. */
@CommandHandler(ExpireReservations)
export class ExpireReservationsHandler implements ICommandHandler<ExpireReservations, ExpiredReservation[]> {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly account: AccountStream,
    private readonly listeners: ExpiryListeners,
  ) {}

  async execute({ limit }: ExpireReservations): Promise<ExpiredReservation[]> {
    const now = this.clock.now();
    const due = await dueReservations(this.database, now, limit);
    const released: ExpiredReservation[] = [];
    const generationOf = new Map(due.map((row) => [row.reservation_id, row.generation_id]));
    for (const userId of new Set(due.map((row) => row.user_id))) {
      const metadata: EventMetadata = { actor: 'job:expire-reservations', userId };
      await this.database.transaction(async (tx) => {
        const account = await this.account.run(userId, { type: 'ExpireReservations', data: { now } }, metadata, tx);
        for (const event of account.newEvents) {
          if (event.type !== 'ReservationReleased') continue;
          const { reservationId } = event.data;
          released.push({ reservationId, userId, generationId: generationOf.get(reservationId) ?? null });
        }
      });
    }
    await this.listeners.notify(released);
    return released;
  }
}
