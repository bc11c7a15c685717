import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { Database, type Sql } from '../../database/database';
import { BudgetStream } from '../streams/budget-stream';
import { SettleLateCost } from './settle-reservation.commands';

/** Counts a provider bill for an expired reservation in the month it was reserved in. */
@CommandHandler(SettleLateCost)
export class SettleLateCostHandler implements ICommandHandler<SettleLateCost, void> {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly budget: BudgetStream,
  ) {}

  async execute({ reservation, costMicros, metadata, tx, resolvedUnknownMicros }: SettleLateCost): Promise<void> {
    const now = this.clock.now();
    const { reservationId, month } = reservation;
    const settle = (sql: Sql) =>
      this.budget.run(
        sql,
        month,
        () => ({ type: 'SettleLateCost', data: { reservationId, costMicros, resolvedUnknownMicros, now } }),
        metadata,
      );
    await (tx ? settle(tx) : this.database.transaction(settle));
  }
}
