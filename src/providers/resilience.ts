import { Logger } from '@nestjs/common';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type IDefaultPolicyContext,
  type IPolicy,
  type IRetryBackoffContext,
} from 'cockatiel';
import { DomainError } from '../common/domain-error';
import type { ProviderName } from './domain/image-provider';
import { ProviderCallError, redact } from './provider-error';

export interface ResilienceOptions {
  /** Per attempt; DALL-E 3 HD images regularly take 20-40 s. */
  readonly attemptTimeoutMs: number;
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A longer Retry-After ends the retries: the caller is waiting, a fallback may serve sooner. */
  readonly maxRetryAfterMs: number;
  /** Consecutive failed attempts that open the circuit. */
  readonly breakerThreshold: number;
  /** How long an open circuit fails fast before one probe call may test the provider. */
  readonly halfOpenAfterMs: number;
  readonly random: () => number;
}

export const DEFAULT_RESILIENCE_OPTIONS: ResilienceOptions = {
  attemptTimeoutMs: 60_000,
  retries: 2,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 20_000,
  breakerThreshold: 5,
  halfOpenAfterMs: 30_000,
  random: Math.random,
};

/** Why a call failed, as the router and the problem details see it. */
export type FailureReason = 'circuit_open' | 'timeout' | 'cancelled' | 'transient' | 'misconfigured' | 'rejected';

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

const BREAKER_STATES: Readonly<Record<CircuitState, BreakerState>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * Timeout per attempt inside a per-provider circuit breaker inside retries: every attempt counts
 * towards the breaker, and once it opens the remaining retries fail fast instead of waiting.
 */
export class ProviderResilience {
  private readonly options: ResilienceOptions;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly policy: IPolicy<IDefaultPolicyContext>;
  private readonly logger = new Logger('ProviderResilience');

  constructor(
    readonly provider: ProviderName,
    options: Partial<ResilienceOptions> = {},
  ) {
    this.options = { ...DEFAULT_RESILIENCE_OPTIONS, ...options };
    const o = this.options;
    const retryable = handleWhen(
      (error) =>
        (error instanceof ProviderCallError &&
          error.kind === 'transient' &&
          (error.retryAfterMs ?? 0) <= o.maxRetryAfterMs) ||
        isAttemptTimeout(error),
    );
    const unhealthy = handleWhen(
      (error) => (error instanceof ProviderCallError && error.kind !== 'rejected') || isAttemptTimeout(error),
    );
    this.breaker = circuitBreaker(unhealthy, {
      breaker: new ConsecutiveBreaker(o.breakerThreshold),
      halfOpenAfter: o.halfOpenAfterMs,
    });
    const retries = retry(retryable, {
      maxAttempts: o.retries,
      backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) => this.delayBefore(context)),
    });
    retries.onRetry(({ delay, attempt, ...result }) =>
      this.logger.warn(
        `${provider} attempt ${attempt} failed (${summary(result)}); retrying in ${Math.round(delay)} ms`,
      ),
    );
    this.breaker.onBreak(() =>
      this.logger.warn(`${provider} circuit opened after ${o.breakerThreshold} consecutive failures`),
    );
    this.breaker.onHalfOpen(() => this.logger.log(`${provider} circuit half-open: probing`));
    this.breaker.onReset(() => this.logger.log(`${provider} circuit closed`));
    this.policy = wrap(retries, this.breaker, timeout(o.attemptTimeoutMs, TimeoutStrategy.Aggressive));
  }

  get breakerState(): BreakerState {
    return BREAKER_STATES[this.breaker.state];
  }

  /** Runs `call` (given a signal that aborts on timeout or when `signal` aborts), mapping failures to DomainError. */
  async execute<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await this.policy.execute(async ({ signal: attemptSignal }) => {
        try {
          return await call(attemptSignal);
        } catch (error) {
          throw attemptSignal.aborted ? error : this.normalise(error);
        }
      }, signal);
    } catch (error) {
      throw this.toDomainError(error, signal);
    }
  }

  private delayBefore(context: IRetryBackoffContext<unknown>): number {
    const error = 'error' in context.result ? context.result.error : undefined;
    if (error instanceof ProviderCallError && error.retryAfterMs !== undefined) return error.retryAfterMs;
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (context.attempt - 1));
    // "Equal jitter": at least half the exponential step, so retries from many callers spread out
    // without any of them retrying immediately.
    return ceiling / 2 + (ceiling / 2) * this.options.random();
  }

  private normalise(error: unknown): ProviderCallError {
    if (error instanceof ProviderCallError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderCallError(this.provider, 'transient', redact(message));
  }

  private toDomainError(error: unknown, signal: AbortSignal | undefined): DomainError {
    const provider = this.provider;
    if (error instanceof BrokenCircuitError) {
      return new DomainError('provider_unavailable', `${provider} is unavailable (circuit open)`, {
        provider,
        reason: 'circuit_open',
      });
    }
    if (signal?.aborted) {
      return new DomainError('provider_failed', `${provider} call was cancelled`, { provider, reason: 'cancelled' });
    }
    if (isAttemptTimeout(error)) {
      return new DomainError(
        'provider_failed',
        `${provider} did not answer within ${this.options.attemptTimeoutMs} ms`,
        {
          provider,
          reason: 'timeout',
        },
      );
    }
    const failure = this.normalise(error);
    return new DomainError('provider_failed', `${provider} failed: ${redact(failure.message)}`, {
      provider,
      reason: failure.kind,
      ...(failure.status === undefined ? {} : { providerStatus: failure.status }),
    });
  }
}

function isAttemptTimeout(error: unknown): boolean {
  return error instanceof TaskCancelledError;
}

function summary(result: { error: Error } | { value: unknown }): string {
  if (!('error' in result)) return 'unexpected result';
  return result.error instanceof ProviderCallError ? result.error.message : result.error.name;
}
