import { monthOfDay } from '../../common/utc-time';

export type BudgetChange = 'cap_set' | 'downgraded' | 'restored';

export interface BudgetChangeRow {
  readonly month: string;
  /** ISO instant. */
  readonly at: string;
  readonly change: BudgetChange;
  readonly reason: string | null;
  readonly spendMicros: number | null;
  readonly capMicros: number | null;
}

/**
 * The soft cap in force at the end of `day`: the month's latest cap set by then, else the
 * configured default (every month starts on the default until an admin sets its own).
 */
export function capAt(changes: readonly BudgetChangeRow[], day: string, defaultCapMicros: number): number {
  const endOfDay = `${day}T23:59:59.999Z`;
  let cap = defaultCapMicros;
  for (const change of changes) {
    if (
      change.change === 'cap_set' &&
      change.month === monthOfDay(day) &&
      change.at <= endOfDay &&
      change.capMicros !== null
    ) {
      cap = change.capMicros;
    }
  }
  return cap;
}
