import type { Sql } from '../../database/database';
import type { RecordedEvent } from '../../event-store/event-types';
import type { Projection, TableNames } from '../../event-store/projection';
import type { BudgetCapSet, TierDowngraded, TierRestored } from '../../billing/domain/budget';
import type { BudgetChange } from '../domain/budget-changes';
import type { Recorded } from './recorded';

export const BUDGET_PROJECTION = 'analytics_budget';
export const BUDGET_CHANGES_TABLE = 'analytics_budget_changes';

const BUDGET_STREAM_PREFIX = 'budget-';

type BudgetAnalyticsEvent = BudgetCapSet | TierDowngraded | TierRestored;

/**
 * Every change of a month's budget in order: caps set by an admin (a month without one runs on
 * the configured default) and tier changes with the figures that caused them. The spend-against-
 * cap chart needs the cap as it was each day, not only the latest one.
 */
export const budgetProjection: Projection = {
  name: BUDGET_PROJECTION,
  kind: 'async',
  eventTypes: ['BudgetCapSet', 'TierDowngraded', 'TierRestored'],
  tables: [
    {
      name: BUDGET_CHANGES_TABLE,
      keyColumns: ['global_position'],
      createSql: (table) => `CREATE TABLE ${table} (
        global_position bigint PRIMARY KEY, month text NOT NULL, at timestamptz NOT NULL,
        change text NOT NULL, reason text, spend_micros bigint, cap_micros bigint, hard_cap_micros bigint)`,
    },
  ],
  apply: applyBudget,
};

interface ChangeRow {
  readonly globalPosition: number;
  readonly month: string;
  readonly at: string;
  readonly change: BudgetChange;
  readonly reason: string | null;
  readonly spendMicros: number | null;
  readonly capMicros: number | null;
  readonly hardCapMicros: number | null;
}

function toChange(event: Recorded<BudgetAnalyticsEvent>, month: string): ChangeRow {
  const base = {
    globalPosition: event.globalPosition,
    month,
    reason: null,
    spendMicros: null,
    capMicros: null,
    hardCapMicros: null,
  };
  switch (event.type) {
    case 'BudgetCapSet':
      return {
        ...base,
        at: event.data.setAt,
        change: 'cap_set',
        capMicros: event.data.capMicros,
        hardCapMicros: event.data.hardCapMicros,
      };
    case 'TierDowngraded':
      return {
        ...base,
        at: event.data.at,
        change: 'downgraded',
        reason: event.data.reason,
        spendMicros: event.data.spendMicros,
        capMicros: event.data.capMicros,
      };
    case 'TierRestored':
      return { ...base, at: event.data.at, change: 'restored', reason: event.data.reason };
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unreachable)}`);
    }
  }
}

async function applyBudget(tx: Sql, recorded: readonly RecordedEvent[], tables: TableNames): Promise<void> {
  const rows = (recorded as ReadonlyArray<Recorded<BudgetAnalyticsEvent>>)
    .filter((event) => event.streamId.startsWith(BUDGET_STREAM_PREFIX))
    .map((event) => toChange(event, event.streamId.slice(BUDGET_STREAM_PREFIX.length)));
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO ${tables[BUDGET_CHANGES_TABLE]} (global_position, month, at, change, reason, spend_micros, cap_micros, hard_cap_micros)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])`,
    [
      rows.map((row) => row.globalPosition),
      rows.map((row) => row.month),
      rows.map((row) => row.at),
      rows.map((row) => row.change),
      rows.map((row) => row.reason),
      rows.map((row) => row.spendMicros),
      rows.map((row) => row.capMicros),
      rows.map((row) => row.hardCapMicros),
    ],
  );
}
