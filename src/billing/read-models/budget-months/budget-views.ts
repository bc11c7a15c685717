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

const BUDGET_VIEW_TTL_MS = 1000;

/**
 * The month's budget as shown to users and used to pick which cached image may serve a request.
 * Reading it now is cached for a second per process (other replicas' changes show within that
 * time); reservations never use it: they decide under the month row's lock.
 */
@Injectable()
export class BudgetViews {
  private cached: { month: string; view: BudgetView; expiresAt: number } | undefined;
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
    const { state, totals } = fromBudgetRow(await readBudgetMonth(this.database, month));
    const view = budgetView(state, totals, defaults);
    // A change of this process began or committed while reading: the view may predate it.
    if (version === this.version) this.cached = { month, view, expiresAt: Date.now() + BUDGET_VIEW_TTL_MS };
    return { month, view };
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
