import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { Database, type Sql } from '../../database/database';
import { AccountStream } from '../streams/account-stream';
import { CaptureReservation } from './settle-reservation.commands';

/** Settles a reservation with what the provider actually cost. */
@CommandHandler(CaptureReservation)
export class CaptureReservationHandler implements ICommandHandler<CaptureReservation, void> {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly account: AccountStream,
  ) {}

  async execute({ reservation, costMicros, metadata, tx }: CaptureReservation): Promise<void> {
    const now = this.clock.now();
    const { reservationId, userId } = reservation;
    const capture = (sql: Sql) =>
      this.account.run(userId, { type: 'CaptureReservation', data: { reservationId, costMicros, now } }, metadata, sql);
    await (tx ? capture(tx) : this.database.transaction(capture));
  }
}
