import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, ValidateBy } from 'class-validator';
import { DomainError } from '../common/domain-error';
import { dayCount, monthOfDay, monthRange, parseDay, type DayRange } from '../common/utc-time';

/** The longest range one call may ask for: a year of daily rows, leap year included. */
const MAX_RANGE_DAYS = 366;

const IsUtcDay = () =>
  ValidateBy({
    name: 'isUtcDay',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseDay(value) !== undefined,
      defaultMessage: (args) => `${args?.property} must be a calendar day as YYYY-MM-DD (UTC)`,
    },
  });

export class DayRangeQuery {
  @ApiPropertyOptional({
    example: '2026-11-01',
    description: 'First UTC day, inclusive (default: the first day of the month of `to`, else of this month)',
  })
  @IsOptional()
  @IsUtcDay()
  from?: string;

  @ApiPropertyOptional({
    example: '2026-11-30',
    description: 'Last UTC day, inclusive (default: the last day of the month of `from`, else of this month)',
  })
  @IsOptional()
  @IsUtcDay()
  to?: string;
}

/** A missing end defaults to the month of the other one, both missing to this month. */
export function resolveRange(query: DayRangeQuery, currentMonth: DayRange): DayRange {
  const from = query.from ?? (query.to ? monthRange(monthOfDay(query.to)).from : currentMonth.from);
  const to = query.to ?? (query.from ? monthRange(monthOfDay(query.from)).to : currentMonth.to);
  if (from > to) throw rangeError('from', `must not be after to (${to})`);
  if (dayCount({ from, to }) > MAX_RANGE_DAYS)
    throw rangeError('to', `must be at most ${MAX_RANGE_DAYS} days from from (${from}), both included`);
  return { from, to };
}

function rangeError(field: 'from' | 'to', message: string): DomainError {
  return new DomainError('validation_failed', `${field}: ${message}`, { errors: [{ field, message }] });
}
