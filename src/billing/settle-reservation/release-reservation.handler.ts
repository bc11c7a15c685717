import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { Database, type Sql } from '../../database/database';
import { NO_SPEND } from '../reservation';
import { AccountStream } from '../streams/account-stream';
import { ReleaseReservation } from './settle-reservation.commands';

/**
 * Gives a failed generation's reservation back: its free unit or credits, and its price in the
 * month; what the provider calls cost anyway (billed, unknown) stays in the month's spend.
 */
@CommandHandler(ReleaseReservation)
export class ReleaseReservationHandler implements ICommandHandler<ReleaseReservation, void> {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly account: AccountStream,
  ) {}

  async execute({ reservation, metadata, tx, spent = NO_SPEND }: ReleaseReservation): Promise<void> {
    const now = this.clock.now();
    const { reservationId, userId } = reservation;
    const { billedMicros, unknownMicros } = spent;
    const release = (sql: Sql) =>
      this.account.run(
        userId,
        { type: 'ReleaseReservation', data: { reservationId, reason: 'failed', billedMicros, unknownMicros, now } },
        metadata,
        sql,
      );
    await (tx ? release(tx) : this.database.transaction(release));
  }
}
