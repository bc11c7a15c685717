import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { Database, type Sql } from '../../database/database';
import { AccountStream } from '../streams/account-stream';
import { ReleaseReservation } from './settle-reservation.commands';

/** Gives a failed generation's reservation back: its free unit or credits, and its price in the month. */
@CommandHandler(ReleaseReservation)
export class ReleaseReservationHandler implements ICommandHandler<ReleaseReservation, void> {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly account: AccountStream,
  ) {}

  async execute({ reservation, metadata, tx }: ReleaseReservation): Promise<void> {
    const now = this.clock.now();
    const { reservationId, userId } = reservation;
    const release = (sql: Sql) =>
      this.account.run(
        userId,
        { type: 'ReleaseReservation', data: { reservationId, reason: 'failed', now } },
        metadata,
        sql,
      );
    await (tx ? release(tx) : this.database.transaction(release));
  }
}
