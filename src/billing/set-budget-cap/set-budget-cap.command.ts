import { Command } from '@nestjs/cqrs';
import type { EventMetadata } from '../../event-store/event-types';
import type { BudgetView } from '../domain/budget';

/** Sets this month's soft cap and optional hard cap; answers with the month's budget as it then is. */
export class SetBudgetCap extends Command<BudgetView> {
  constructor(
    readonly capMicros: number,
    readonly hardCapMicros: number | null,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
