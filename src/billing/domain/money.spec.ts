import fc from 'fast-check';
import { DomainError } from '../../common/domain-error';
import { assertWholeNumber, dollarsToMicros, microsToDollars } from './money';
import { dayBefore, nextUtcMidnight, utcDayOf } from '../../common/utc-time';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
  return undefined;
}

describe('dollarsToMicros', () => {
  it.each([
    [0, 0],
    [0.08, 80_000],
    [0.12, 120_000],
    [0.003, 3_000],
    [0.000001, 1],
    [100, 100_000_000],
    [123_456_789.123456, 123_456_789_123_456],
  ])('converts %p USD exactly to %p micro-dollars', (dollars, micros) => {
    expect(dollarsToMicros(dollars)).toBe(micros);
  });

  it.each([0.0000001, 0.1234567, 1.0000005])('refuses %p USD, which has more than 6 decimals', (dollars) => {
    expect(codeOf(() => dollarsToMicros(dollars))).toBe('validation_failed');
  });

  it.each([-0.01, Number.NaN, Number.POSITIVE_INFINITY, 1e12])('refuses %p USD', (dollars) => {
    expect(codeOf(() => dollarsToMicros(dollars))).toBe('validation_failed');
  });

  it('is the exact inverse of microsToDollars for every whole amount of micro-dollars', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000_000_000 }), (micros) => {
        expect(dollarsToMicros(microsToDollars(micros))).toBe(micros);
      }),
    );
  });
});

describe('microsToDollars', () => {
  it('gives dollars that print with at most 6 decimals', () => {
    expect(microsToDollars(80_000)).toBe(0.08);
    expect(String(microsToDollars(123_456_789_123_456))).toBe('123456789.123456');
    expect(microsToDollars(1)).toBe(0.000001);
  });

  it('refuses a fraction of a micro-dollar', () => {
    expect(() => microsToDollars(1.5)).toThrow(RangeError);
  });
});

describe('assertWholeNumber', () => {
  it('accepts integers from the minimum up', () => {
    expect(() => assertWholeNumber('credits', 1, 1)).not.toThrow();
  });

  it.each([0, 1.5, Number.NaN, 2 ** 53])('refuses %p for a minimum of 1', (value) => {
    expect(codeOf(() => assertWholeNumber('credits', value, 1))).toBe('validation_failed');
  });
});

describe('UTC days', () => {
  it('takes the day in UTC, whatever the local time zone', () => {
    expect(utcDayOf(new Date('2026-11-24T23:59:59.999Z'))).toBe('2026-11-24');
    expect(utcDayOf(new Date('2026-11-25T00:00:00.000+01:00'))).toBe('2026-11-24');
  });

  it('resets at the next 00:00 UTC, across month and year ends', () => {
    expect(nextUtcMidnight(new Date('2026-11-24T23:59:59.999Z')).toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(nextUtcMidnight(new Date('2026-11-25T00:00:00.000Z')).toISOString()).toBe('2026-11-26T00:00:00.000Z');
    expect(nextUtcMidnight(new Date('2026-11-30T12:00:00.000Z')).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(nextUtcMidnight(new Date('2026-12-31T18:00:00.000Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('steps back a day across month and leap-year ends', () => {
    expect(dayBefore('2026-12-01')).toBe('2026-11-30');
    expect(dayBefore('2028-03-01')).toBe('2028-02-29');
    expect(dayBefore('2027-01-01')).toBe('2026-12-31');
  });
});
