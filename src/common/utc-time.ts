// The only day and month arithmetic of the service: UTC calendar days (`YYYY-MM-DD`, the unit of the
// free quota and of every analytics row) and months (`YYYY-MM`, the unit of the budget).

const DAY_MS = 86_400_000;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_PATTERN = /^(\d{4})-(\d{2})$/;

export interface DayRange {
  readonly from: string;
  readonly to: string;
}

/** A real calendar day (no 2026-02-30), or undefined. */
export function parseDay(value: string): string | undefined {
  const match = DAY_PATTERN.exec(value);
  if (!match) return undefined;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
    ? value
    : undefined;
}

/** `YYYY-MM` with a month from 01 to 12, or undefined. */
export function parseMonth(value: string): string | undefined {
  const match = MONTH_PATTERN.exec(value);
  if (!match) return undefined;
  const month = Number(match[2]);
  return month >= 1 && month <= 12 ? value : undefined;
}

/** The UTC calendar day, `YYYY-MM-DD`: the unit of the free daily quota. */
export function utcDayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The day before a `YYYY-MM-DD` day. */
export function dayBefore(day: string): string {
  return utcDayOf(new Date(Date.parse(day) - DAY_MS));
}

/** When `date`'s UTC day ends: the next 00:00 UTC (when the free quota renews). */
export function nextUtcMidnight(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1));
}

/** `YYYY-MM` of a date in UTC: the budget month a reservation belongs to. */
export function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

export function previousMonth(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number);
  return monthOf(new Date(Date.UTC(year, monthNumber - 2, 1)));
}

export function monthOfDay(day: string): string {
  return day.slice(0, 7);
}

/** First and last day of a `YYYY-MM` month. */
export function monthRange(month: string): DayRange {
  const [year, monthNumber] = month.split('-').map(Number);
  const last = new Date(Date.UTC(year, monthNumber, 0));
  return { from: `${month}-01`, to: utcDayOf(last) };
}

/** The instants a day range covers: [start of `from`, start of the day after `to`). */
export function rangeInstants(range: DayRange): { start: Date; end: Date } {
  return {
    start: new Date(`${range.from}T00:00:00.000Z`),
    end: new Date(Date.parse(`${range.to}T00:00:00.000Z`) + DAY_MS),
  };
}

/** Every day from `from` to `to`, both included. */
export function daysOf(range: DayRange): string[] {
  const days: string[] = [];
  for (
    let at = Date.parse(`${range.from}T00:00:00.000Z`);
    at <= Date.parse(`${range.to}T00:00:00.000Z`);
    at += DAY_MS
  ) {
    days.push(utcDayOf(new Date(at)));
  }
  return days;
}

export function dayCount(range: DayRange): number {
  return Math.round((Date.parse(range.to) - Date.parse(range.from)) / DAY_MS) + 1;
}

/** Every `YYYY-MM` month a range touches, in order. */
export function monthsOf(range: DayRange): string[] {
  const months: string[] = [];
  for (let month = monthOfDay(range.from); month <= monthOfDay(range.to); month = nextMonth(month)) months.push(month);
  return months;
}

export function nextMonth(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number);
  return monthOf(new Date(Date.UTC(year, monthNumber, 1)));
}
