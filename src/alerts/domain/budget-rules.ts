import { forecastMicros } from '../../billing/domain/budget';
import { microsToDollars } from '../../billing/domain/money';
import { budgetData, usd, type NewAlert } from './alert';

/** A month's spend as the alerts count it: billed plus unknown (both count against the caps). */
export interface MonthFigures {
  readonly month: string;
  readonly spendMicros: number;
  readonly capMicros: number;
}

/**
 * What the rules remember of a month: the soft cap they last saw, the spend when it took effect
 * (0 for the month's first cap) and the days with spend so far.
 */
export interface MonthWatch {
  readonly capMicros: number;
  readonly spendAtCapMicros: number;
  readonly spendDays: number;
  readonly lastSpendDay: string | null;
}

/** The watch after seeing the month's figures (a changed cap re-arms from the spend of now). */
export function watchWith(
  previous: MonthWatch | undefined,
  figures: MonthFigures,
  spendDay: string | null,
): MonthWatch {
  const base: MonthWatch = previous ?? {
    capMicros: figures.capMicros,
    spendAtCapMicros: 0,
    spendDays: 0,
    lastSpendDay: null,
  };
  const capChanged = base.capMicros !== figures.capMicros;
  const newDay = spendDay !== null && (base.lastSpendDay === null || spendDay > base.lastSpendDay);
  return {
    capMicros: figures.capMicros,
    spendAtCapMicros: capChanged ? figures.spendMicros : base.spendAtCapMicros,
    spendDays: base.spendDays + (newDay ? 1 : 0),
    lastSpendDay: newDay ? spendDay : base.lastSpendDay,
  };
}

/**
 * The thresholds the month's spend has reached under its current cap, lowest first. Each is keyed
 * by month, cap and percentage, so it alerts once per month and cap value. When a cap change finds
 * the spend already past a threshold this month has already alerted (under the old cap), that one
 * stays quiet: a raised cap re-arms only the thresholds above the spend.
 */
export function thresholdAlerts(
  figures: MonthFigures,
  watch: MonthWatch,
  percents: readonly number[],
  alertedPercents: ReadonlySet<number>,
  at: Date,
): NewAlert[] {
  const { month, spendMicros, capMicros } = figures;
  return percents
    .filter((percent) => spendMicros * 100 >= capMicros * percent)
    .filter((percent) => !(watch.spendAtCapMicros * 100 >= capMicros * percent && alertedPercents.has(percent)))
    .map((percent) => ({
      key: `budget.threshold:${month}:${capMicros}:${percent}`,
      type: 'budget.threshold' as const,
      month,
      at,
      data: { ...budgetData(month, spendMicros, capMicros), thresholdPercent: percent },
      text: `Budget ${month}: spend ${usd(spendMicros)} reached ${percent}% of the ${usd(capMicros)} soft cap`,
    }));
}

/**
 * The linear month-end forecast passing the cap, once the month has spend on `minDays` days. Keyed
 * by month and cap: the first day it is seen above the cap alerts, later days do not.
 */
export function forecastAlert(figures: MonthFigures, watch: MonthWatch, minDays: number, at: Date): NewAlert | null {
  if (watch.spendDays < minDays) return null;
  const { month, spendMicros, capMicros } = figures;
  const forecast = forecastMicros(spendMicros, at);
  if (forecast <= capMicros) return null;
  return {
    key: `budget.forecast:${month}:${capMicros}`,
    type: 'budget.forecast',
    month,
    at,
    data: { ...budgetData(month, spendMicros, capMicros), forecastUsd: microsToDollars(forecast) },
    text: `Budget ${month}: at this pace the month ends at ${usd(forecast)}, above the ${usd(capMicros)} soft cap (spent ${usd(spendMicros)} so far)`,
  };
}
