import { Inject } from '@nestjs/common';
import type { CreditStatusRow } from '../read-models/account-balances/credit-status.reads';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Database, type Sql } from '../../database/database';
import {
  accountBalancesProjection,
  type CaptureProjected,
} from '../read-models/account-balances/account-balances.projection';
import { AccountStream } from '../streams/account-stream';
import { CaptureReservation } from './settle-reservation.commands';

/**
 * Settles a reservation with what the provider calls actually cost (billed and unknown), charging
 * the user the credits of the tier that served.
 */
@CommandHandler(CaptureReservation)
export class CaptureReservationHandler implements ICommandHandler<CaptureReservation, CreditStatusRow | undefined> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly account: AccountStream,
  ) {}

  async execute({
    reservation,
    costMicros,
    metadata,
    tx,
    options,
  }: CaptureReservation): Promise<CreditStatusRow | undefined> {
    const now = this.clock.now();
    const { reservationId, userId } = reservation;
    const { unknownMicros, servedTier } = options;
    const servedTierCredits =
      servedTier === undefined
        ? undefined
        : servedTier === 'premium'
          ? this.config.creditsPerPremium
          : this.config.creditsPerStandard;
    const capture = (sql: Sql) =>
      this.account.run(
        userId,
        {
          type: 'CaptureReservation',
          data: { reservationId, costMicros, unknownMicros, servedTier, servedTierCredits, now },
        },
        metadata,
        sql,
      );
    const captured = await (tx ? capture(tx) : this.database.transaction(capture));
    // The balance as the capture's own statement returned it: nothing is read again.
    const answer = captured.projected.get(accountBalancesProjection.name) as CaptureProjected | undefined;
    return answer?.balance;
  }
}
