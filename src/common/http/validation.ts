import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError } from '../domain-error';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Validation at the edge (STYLE.md rule 9): unknown fields rejected, no type coercion. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      const summary = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
      return new DomainError('validation_failed', summary || 'Invalid request', { errors: fields });
    },
  });
}

function flatten(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (.*) should not exist$/, 'is not allowed (unknown field)'),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
