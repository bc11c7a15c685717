import { Command } from '@nestjs/cqrs';
import type { EventMetadata } from '../../event-store/event-types';
import type { BudgetView } from '../domain/budget';

/**
 * Sets this month's soft cap and optional hard cap; answers with the month's budget as it then is.
 * A cap left undefined keeps its current value (the month's own, else the configured default);
 * a null hard cap removes it.
 */
export class SetBudgetCap extends Command<BudgetView> {
  constructor(
    readonly capMicros: number | undefined,
    readonly hardCapMicros: number | null | undefined,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
