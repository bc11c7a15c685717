import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { Database } from '../../database/database';
import type { EventMetadata } from '../../event-store/event-types';
import { dueReservations, type DueReservation } from '../read-models/account-balances/account-balances.reads';
import type { ExpiredReservation } from '../reservation';
import { AccountStream } from '../streams/account-stream';
import { ExpireReservations } from './expire-reservations.command';
import { ExpiryFailures, type ExpiryFailure } from './expiry-failures';
import { ExpiryListeners } from './expiry-listeners';

/**
 * One transaction per user: the account decides which of its reservations have expired. Each user
 * is handled on its own: one whose account fails is logged and counted with its reservations, and
 * every other user's reservations are still released (the failed ones are tried again next run,
 * after every other user's, so failing accounts never take the whole batch).
 */
@CommandHandler(ExpireReservations)
export class ExpireReservationsHandler implements ICommandHandler<ExpireReservations, ExpiredReservation[]> {
  private readonly logger = new Logger('expire-reservations');

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly account: AccountStream,
    private readonly listeners: ExpiryListeners,
    private readonly failures: ExpiryFailures,
  ) {}

  async execute({ limit }: ExpireReservations): Promise<ExpiredReservation[]> {
    const now = this.clock.now();
    const due = await dueReservations(this.database, now, limit, this.failures.failingUserIds());
    const failingUsers: string[] = [];
    const released: ExpiredReservation[] = [];
    const generationOf = new Map(due.map((row) => [row.reservation_id, row.generation_id]));
    const dueByUser = new Map<string, DueReservation[]>();
    for (const row of due) dueByUser.set(row.user_id, [...(dueByUser.get(row.user_id) ?? []), row]);
    for (const [userId, rows] of dueByUser) {
      const metadata: EventMetadata = { actor: 'job:expire-reservations', userId };
      try {
        await this.database.transaction(async (tx) => {
          const account = await this.account.run(userId, { type: 'ExpireReservations', data: { now } }, metadata, tx);
          for (const event of account.newEvents) {
            if (event.type !== 'ReservationReleased') continue;
            const { reservationId } = event.data;
            released.push({ reservationId, userId, generationId: generationOf.get(reservationId) ?? null });
          }
        });
      } catch (error) {
        failingUsers.push(userId);
        const message = error instanceof Error ? error.message : String(error);
        const failed: ExpiryFailure[] = rows.map((row) => ({
          reservationId: row.reservation_id,
          userId,
          message,
          at: now.toISOString(),
        }));
        this.failures.record(failed);
        for (const failure of failed) {
          this.logger.error({
            reservationId: failure.reservationId,
            userId,
            message: `expired reservation not released (retried on the next run): ${message}`,
          });
        }
      }
    }
    this.failures.setFailingUsers(failingUsers);
    await this.listeners.notify(released);
    return released;
  }
}
