import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock';
import type { DomainError } from '../../common/domain-error';
import { monthOf } from '../../common/utc-time';
import { Database } from '../../database/database';
import type { EventMetadata } from '../../event-store/event-types';
import { BudgetStream } from '../streams/budget-stream';

/**
 * Records `HardCapReached` on the month's budget stream after the hard cap refused a request: the
 * refused reservation rolled back and left nothing, and operators are to hear of it. The decider
 * records it once per month and hard cap value; this process also remembers what it recorded, so
 * a stream of refusals does not queue on the budget row. A failure to record is logged, never
 * answered: the request was refused either way.
 */
@Injectable()
export class HardCapRefusals {
  private readonly logger = new Logger('Budget');
  private readonly recorded = new Set<string>();

  constructor(
    private readonly database: Database,
    private readonly budget: BudgetStream,
    private readonly clock: Clock,
  ) {}

  async record(refusal: DomainError, metadata: EventMetadata): Promise<void> {
    const now = this.clock.now();
    const month = monthOf(now);
    const details = refusal.details as Partial<Record<string, number>>;
    const hardCapMicros = Number(details.hardCapMicros);
    const key = `${month}:${hardCapMicros}`;
    if (this.recorded.has(key)) return;
    const totals = {
      spendMicros: Number(details.spendMicros ?? 0),
      reservedMicros: Number(details.reservedMicros ?? 0),
      unknownMicros: Number(details.unknownMicros ?? 0),
    };
    const data = { hardCapMicros, refusedPriceMicros: Number(details.priceMicros ?? 0), totals, now };
    try {
      await this.database.transaction((tx) =>
        this.budget.run(tx, month, () => ({ type: 'RecordHardCapReached', data }), metadata),
      );
      this.recorded.add(key);
    } catch (error) {
      this.logger.warn({ month, message: (error as Error).message }, 'hard cap refusal not recorded');
    }
  }
}
