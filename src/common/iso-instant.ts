const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** The first and last years an instant may name: the database's and the clock's common ground. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 9999;

/**
 * An ISO 8601 date-time with a time zone whose every field is in range (no month 13, no
 * 2026-02-30, no hour 25), or undefined. `Date.parse` alone rolls such values over or throws
 * later, and the database refuses them with a 500.
 */
export function parseIsoInstant(value: string): Date | undefined {
  const match = INSTANT.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number) as [number, number, number, number, number];
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (year < FIRST_YEAR || year > LAST_YEAR || month < 1 || month > 12) return undefined;
  if (day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (match[8] !== 'Z' && (Number(match[10]) > 23 || Number(match[11]) > 59)) return undefined;
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}
