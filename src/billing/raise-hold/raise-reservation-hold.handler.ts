import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Database, type Sql } from '../../database/database';
import { budgetDefaultsOf } from '../budget-defaults';
import { assertHoldRaiseAllowed } from '../domain/budget';
import {
  accountBalancesProjection,
  type ReservationProjected,
} from '../read-models/account-balances/account-balances.projection';
import { fromBudgetRow } from '../read-models/budget-months/budget-months.reads';
import { AccountStream } from '../streams/account-stream';
import { RaiseReservationHold } from './raise-reservation-hold.command';

/**
 * The raise and the month's row change in one transaction, as a reservation does: the projection
 * adds the amount to the month's held spend and answers with the row, which this transaction then
 * holds; the hard cap is checked against it, and a refusal rolls the raise back.
 */
@CommandHandler(RaiseReservationHold)
export class RaiseReservationHoldHandler implements ICommandHandler<RaiseReservationHold, void> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly account: AccountStream,
  ) {}

  async execute({ reservation, addedMicros, metadata, tx }: RaiseReservationHold): Promise<void> {
    const raise = async (sql: Sql) => {
      const { reservationId, userId } = reservation;
      const result = await this.account.run(
        userId,
        { type: 'RaiseReservationHold', data: { reservationId, addedMicros, now: this.clock.now() } },
        metadata,
        sql,
      );
      const projected = result.projected.get(accountBalancesProjection.name) as ReservationProjected | undefined;
      if (!projected) throw new Error('the billing projection did not answer the raise');
      const { state, totals } = fromBudgetRow(projected.budgetMonth);
      const before = { ...totals, reservedMicros: totals.reservedMicros - addedMicros };
      assertHoldRaiseAllowed(state, before, { ...budgetDefaultsOf(this.config), addedMicros });
    };
    await (tx ? raise(tx) : this.database.transaction(raise));
  }
}
