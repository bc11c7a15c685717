import { ERROR_STATUS, type ErrorCode } from '../domain-error';

const TITLES: Record<ErrorCode, string> = {
  validation_failed: 'Request validation failed',
  invalid_signature: 'Webhook signature invalid',
  unauthorized: 'Authentication required',
  insufficient_credits: 'Not enough credits',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  idempotency_in_progress: 'A request with this Idempotency-Key is still running',
  concurrency_conflict: 'Concurrent update conflict',
  invalid_state: 'Not allowed in the current state',
  print_sizes_exhausted: 'The generation has all the print sizes it may have',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  idempotency_key_reused: 'Idempotency-Key reused with a different request',
  rate_limited: 'Too many requests',
  internal_error: 'Internal server error',
  provider_failed: 'Image provider failed',
  payment_provider_failed: 'Payment provider failed',
  provider_unavailable: 'Image provider unavailable',
  budget_exhausted: 'Monthly budget exhausted',
  not_ready: 'Service not ready',
  print_busy: 'Print rendering is at capacity',
  purchases_disabled: 'Purchases are disabled',
};

/** RFC 9457 problem details with the API's stable `code`. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly instance?: string;
  readonly requestId?: string;
  readonly [extension: string]: unknown;
}

export function problem(code: ErrorCode, detail: string, extensions: Record<string, unknown> = {}): Problem {
  return {
    type: `https://genledger.dev/problems/${code.replace(/_/g, '-')}`,
    title: TITLES[code],
    status: ERROR_STATUS[code],
    detail,
    code,
    ...extensions,
  };
}
