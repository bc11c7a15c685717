import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * At most `places` decimals. class-validator's own `maxDecimalPlaces` reads the digits after a
 * '.' in the number's text and throws on exponent forms such as 1e-7; this works on the value.
 */
export function HasAtMostDecimals(places: number, options?: ValidationOptions): PropertyDecorator {
  const scale = 10 ** places;
  return ValidateBy(
    {
      name: 'hasAtMostDecimals',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'number' || !Number.isFinite(value)) return false;
          const scaled = value * scale;
          return Math.abs(scaled - Math.round(scaled)) < 1e-6;
        },
        defaultMessage: (args) => `${args?.property ?? 'value'} must have at most ${places} decimals`,
      },
    },
    options,
  );
}
