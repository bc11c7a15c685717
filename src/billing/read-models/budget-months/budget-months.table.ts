import type { ProjectionTable } from '../../../event-store/projection';

/**
 * Each UTC month's provider budget: cost billed, prices in flight, prices of calls whose outcome is
 * unknown (`unknown_micros`, added by migration 1764000000120), caps and tier. Reservations,
 * captures and releases reach it from the account events in their own transaction, so a
 * reservation is decided under this one row's lock, held from its update to the commit, instead of
 * under a lock on the budget stream. The caps and tier mirror the budget stream's events.
 */
export const budgetMonthsTable: ProjectionTable = {
  name: 'budget_months',
  keyColumns: ['month'],
  createSql: (table) => `
    CREATE TABLE ${table} (
      month text PRIMARY KEY,
      spend_micros bigint NOT NULL DEFAULT 0,
      reserved_micros bigint NOT NULL DEFAULT 0,
      cap_micros bigint,
      hard_cap_micros bigint,
      tier text NOT NULL DEFAULT 'premium',
      downgraded_at text,
      downgrade_cap_micros bigint,
      next_premium_price_micros bigint,
      unknown_micros bigint NOT NULL DEFAULT 0,
      CHECK (spend_micros >= 0 AND reserved_micros >= 0 AND unknown_micros >= 0)
    )`,
};

/** A month's row of `budget_months`. */
export interface BudgetMonthRow {
  readonly month: string;
  readonly spend_micros: string | number;
  readonly reserved_micros: string | number;
  readonly cap_micros: string | number | null;
  readonly hard_cap_micros: string | number | null;
  readonly tier: 'premium' | 'standard';
  readonly downgraded_at: string | null;
  readonly downgrade_cap_micros: string | number | null;
  readonly next_premium_price_micros: string | number | null;
  readonly unknown_micros: string | number;
}
