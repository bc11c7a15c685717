import { ValidateBy, type ValidationOptions } from 'class-validator';
import { parseIsoInstant } from '../iso-instant';

/** A query value that is an ISO 8601 instant with a time zone, every field in range. */
export const IsIsoInstant = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isIsoInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseIsoInstant(value) !== undefined,
        defaultMessage: (args) =>
          `${args?.property} must be an ISO 8601 date-time with a time zone (e.g. 2026-11-25T12:00:00Z), every field in range`,
      },
    },
    options,
  );
