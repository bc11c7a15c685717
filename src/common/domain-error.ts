/**
 * Stable error codes of the API (API.md "Error codes"). Domain code throws DomainError with one
 * of these; the global filter maps them to HTTP status and problem+json exactly once.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_signature: 400,
  unauthorized: 401,
  insufficient_credits: 402,
  forbidden: 403,
  not_found: 404,
  idempotency_in_progress: 409,
  concurrency_conflict: 409,
  invalid_state: 409,
  print_sizes_exhausted: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal_error: 500,
  provider_failed: 502,
  payment_provider_failed: 502,
  provider_unavailable: 503,
  budget_exhausted: 503,
  not_ready: 503,
  print_busy: 503,
  purchases_disabled: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra fields for the problem body (never secrets). */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
