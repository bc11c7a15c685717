import { DomainError } from '../../common/domain-error';
import { MICROS_PER_DOLLAR } from '../../config/app-config';

/**
 * US dollars (as the API shows them) to integer micro-dollars. Refuses amounts that are not a
 * whole number of micro-dollars rather than rounding them: a silently rounded price or cap is
 * money that no event explains.
 */
export function dollarsToMicros(dollars: number): number {
  if (!Number.isFinite(dollars) || dollars < 0) {
    throw new DomainError('validation_failed', `${dollars} is not a non-negative amount of US dollars`, { dollars });
  }
  const micros = Math.round(dollars * MICROS_PER_DOLLAR);
  // Division by 10^6 is correctly rounded, so it gives back the input exactly when, and only
  // when, the input was the nearest double to a decimal with at most 6 places.
  if (!Number.isSafeInteger(micros) || micros / MICROS_PER_DOLLAR !== dollars) {
    throw new DomainError('validation_failed', `${dollars} USD has more than 6 decimals or is too large`, { dollars });
  }
  return micros;
}

/** Micro-dollars to a dollar number that prints exactly (at most 6 decimals). */
export function microsToDollars(micros: number): number {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`${micros} is not a whole number of micro-dollars`);
  return micros / MICROS_PER_DOLLAR;
}

/**
 * Counts inside the billing domain (credits, micro-dollars, quotas) are whole numbers; a
 * fraction or NaN would let a balance drift away from what its events add up to.
 */
export function assertWholeNumber(field: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new DomainError('validation_failed', `${field} must be an integer of at least ${min} (got ${value})`, {
      field,
    });
  }
}
