import { Injectable } from '@nestjs/common';
import type { Sql } from '../../database/database';
import { EventStore } from '../../event-store/event-store';
import { handleCommand, loadState, type HandleResult } from '../../event-store/command-handler';
import type { EventMetadata } from '../../event-store/event-types';
import {
  budgetDecider,
  budgetStreamId,
  type BudgetCommand,
  type BudgetEvent,
  type BudgetState,
  type BudgetTotals,
} from '../domain/budget';
import { fromBudgetRow, readBudgetMonth } from '../read-models/budget-months/budget-months.reads';
import { BudgetViews } from '../read-models/budget-months/budget-views';
import { budgetSnapshot } from './billing-snapshots';

/**
 * Runs a command of a month's budget stream. Locks, always in this order: the month's budget row
 * first (read here FOR UPDATE, or taken earlier by the projection's update of a reservation in
 * the same transaction), then the budget stream's advisory lock.
 */
@Injectable()
export class BudgetStream {
  constructor(
    private readonly store: EventStore,
    private readonly views: BudgetViews,
  ) {}

  /** `command` is given the month's totals read under the row's lock. */
  async run(
    tx: Sql,
    month: string,
    command: (totals: BudgetTotals) => BudgetCommand,
    metadata: EventMetadata,
  ): Promise<HandleResult<BudgetState, BudgetEvent>> {
    // A view read while this change is uncommitted may predate it: it is not kept.
    this.views.changed();
    const { totals } = fromBudgetRow(await readBudgetMonth(tx, month, true));
    return handleCommand<BudgetState, BudgetCommand, BudgetEvent>(
      this.store,
      budgetStreamId(month),
      budgetDecider,
      command(totals),
      { tx, metadata, snapshot: budgetSnapshot, lockStream: true },
    );
  }

  /** The month's budget state from its stream. */
  async load(sql: Sql, month: string): Promise<{ state: BudgetState; version: number }> {
    return loadState(this.store, sql, budgetStreamId(month), budgetDecider, budgetSnapshot);
  }
}
