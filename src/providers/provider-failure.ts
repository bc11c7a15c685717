import { DomainError, type ErrorCode } from '../common/domain-error';
import type { ProviderAttempt } from './domain/provider-call';
import type { FailureReason } from './resilience';

/** `attempt_refused`: the caller's `beforeAttempt` declined the next call (e.g. no budget to hold for it). */
export type ProviderFailureReason = FailureReason | 'attempt_refused';

/**
 * A generation no provider served. Its code is the HTTP contract (provider_failed,
 * provider_unavailable, or the caller's own code when its `beforeAttempt` refused); `attempts`
 * lists every call made, including Premium's before a fallback, so their cost can be accounted for.
 */
export class ProviderFailure extends DomainError {
  constructor(
    code: ErrorCode,
    message: string,
    details: Readonly<Record<string, unknown>>,
    readonly reason: ProviderFailureReason,
    readonly attempts: readonly ProviderAttempt[],
    options?: { cause?: unknown },
  ) {
    super(code, message, details);
    this.name = 'ProviderFailure';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
