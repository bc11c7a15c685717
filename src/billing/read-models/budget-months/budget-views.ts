import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { Clock } from '../../../common/clock';
import { monthOf } from '../../../common/utc-time';
import { Database } from '../../../database/database';
import { EventStore } from '../../../event-store/event-store';
import { budgetDefaultsOf } from '../../budget-defaults';
import { budgetDecider, budgetStreamId, budgetView, type BudgetView } from '../../domain/budget';
import { foldUntil } from '../fold-until';
import { budgetTotalsAt, fromBudgetRow, readBudgetMonth } from './budget-months.reads';
import type { BudgetMonthRow } from './budget-months.table';

const BUDGET_VIEW_TTL_MS = 1000;

/**
 * The month's budget as shown to users and used to pick which cached image may serve a request.
 * Reading it now is cached for a second per process (other replicas' changes show within that
 * time); reservations never use it: they decide under the month row's lock.
 */
@Injectable()
export class BudgetViews {
  private cached: { month: string; view: BudgetView; expiresAt: number } | undefined;
  /** The newest view read in this process, whatever its age (see `lastKnownTier`). */
  private newest: { month: string; view: BudgetView } | undefined;
  private version = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: EventStore,
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  /** Now (from the month's row, `fresh` skipping the cache), or at a past instant from the events. */
  async budget(at?: Date, options: { fresh?: boolean } = {}): Promise<{ month: string; view: BudgetView }> {
    const defaults = budgetDefaultsOf(this.config);
    const month = monthOf(at ?? this.clock.now());
    if (at) {
      const state = foldUntil(await this.store.readStream(budgetStreamId(month), { until: at }), budgetDecider);
      return { month, view: budgetView(state, await budgetTotalsAt(this.database, month, at), defaults) };
    }
    const cached = this.cached;
    if (!options.fresh && cached && cached.month === month && cached.expiresAt > Date.now())
      return { month, view: cached.view };
    const version = this.version;
    return { month, view: this.fromRow(month, await readBudgetMonth(this.database, month), version) };
  }

  /** A change counter to take before reading the month's row elsewhere and to hand to `fromRow`. */
  readVersion(): number {
    return this.version;
  }

  /**
   * The view of a month's row read now by another statement (one that reads it along with its own
   * work): it is remembered as a fresh read of this process, unless a change of this process began
   * or committed since `version` was taken (the row may predate it).
   */
  fromRow(month: string, row: BudgetMonthRow | undefined, version: number): BudgetView {
    const { state, totals } = fromBudgetRow(row);
    const view = budgetView(state, totals, budgetDefaultsOf(this.config));
    if (version === this.version) {
      this.cached = { month, view, expiresAt: Date.now() + BUDGET_VIEW_TTL_MS };
      this.newest = { month, view };
    }
    return view;
  }

  /**
   * The month's tier as this process last read it, however long ago, or undefined when it has not
   * read this month's row yet. Only for a guess that the database checks where it counts: a cache
   * hit's statement is refused when the tier it was served for is no longer the month's.
   */
  lastKnownTier(month: string): BudgetView['tier'] | undefined {
    return this.newest?.month === month ? this.newest.view.tier : undefined;
  }

  /**
   * Called when the month's caps or tier change through this process (budget-stream commands), so
   * its next view shows them. Spend and in-flight prices move with every generation and are shown
   * up to a second late, as other replicas' changes are.
   */
  changed(): void {
    this.version += 1;
    this.cached = undefined;
  }
}
