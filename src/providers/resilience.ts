import { Logger } from '@nestjs/common';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  IsolatedCircuitError,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import { DomainError } from '../common/domain-error';
import { abortableSleep, type Deadline } from './deadline';
import { AttemptRefused, AttemptTimeout, combine, summary, untilAborted } from './attempt-signals';

export { AttemptRefused, AttemptTimeout } from './attempt-signals';
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
  /** Waits out a back-off (cut short when `signal` aborts); tests record the waits asked for. */
  readonly sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** Told when the breaker opens or closes (the service records it as an event). */
  readonly onCircuitChange?: (provider: ProviderName, change: 'opened' | 'closed', consecutiveFailures: number) => void;
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
  sleep: abortableSleep,
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

export interface AttemptContext {
  /** 1 for the first call of this execution. */
  readonly attempt: number;
  /** Aborts when the attempt times out, the deadline passes or the caller cancels. */
  readonly signal: AbortSignal;
}

export interface RunOptions {
  /** The caller's own cancellation. */
  readonly signal?: AbortSignal;
  /** Attempts and back-off waits end with it; no attempt starts that the wait would push past it. */
  readonly deadline?: Deadline;
}

/**
 * Retries around a per-provider circuit breaker around a timeout per attempt: every attempt
 * counts towards the breaker, and once it opens the remaining retries fail fast instead of
 * waiting. Failures come out as DomainErrors (provider_failed / provider_unavailable).
 */
export class ProviderResilience {
  private readonly options: ResilienceOptions;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly logger = new Logger('ProviderResilience');

  constructor(
    readonly provider: ProviderName,
    options: Partial<ResilienceOptions> = {},
  ) {
    this.options = { ...DEFAULT_RESILIENCE_OPTIONS, ...options };
    const o = this.options;
    const unhealthy = handleWhen(
      (error) => (error instanceof ProviderCallError && error.kind !== 'rejected') || error instanceof AttemptTimeout,
    );
    this.breaker = circuitBreaker(unhealthy, {
      breaker: new ConsecutiveBreaker(o.breakerThreshold),
      halfOpenAfter: o.halfOpenAfterMs,
    });
    this.breaker.onBreak(() => {
      this.logger.warn(`${provider} circuit opened after ${o.breakerThreshold} consecutive failures`);
      o.onCircuitChange?.(provider, 'opened', o.breakerThreshold);
    });
    this.breaker.onHalfOpen(() => this.logger.log(`${provider} circuit half-open: probing`));
    this.breaker.onReset(() => {
      this.logger.log(`${provider} circuit closed`);
      o.onCircuitChange?.(provider, 'closed', 0);
    });
  }

  get breakerState(): BreakerState {
    return BREAKER_STATES[this.breaker.state];
  }

  /** Runs `call` (given a signal that aborts on timeout or when `signal` aborts), mapping failures to DomainError. */
  execute<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.run(({ signal: attemptSignal }) => call(attemptSignal), { signal });
  }

  async run<T>(call: (context: AttemptContext) => Promise<T>, options: RunOptions = {}): Promise<T> {
    const { deadline } = options;
    const stop = combine(options.signal, deadline?.signal);
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (stop?.aborted) throw stop.reason;
        return await this.breaker.execute(() => this.once(call, attempt, stop));
      } catch (error) {
        if (error instanceof AttemptRefused) throw error;
        if (stop?.aborted) throw this.stopped(deadline);
        if (attempt > this.options.retries || !this.retryable(error)) throw this.toDomainError(error);
        const delay = this.delayBefore(error, attempt);
        // A wait that ends at the deadline would only end in a timeout; what time is left may
        // still serve a fallback.
        if (deadline !== undefined && delay >= deadline.remainingMs()) throw this.toDomainError(error);
        this.logger.warn(
          `${this.provider} attempt ${attempt} failed (${summary(error)}); retrying in ${Math.round(delay)} ms`,
        );
        try {
          await this.options.sleep(delay, stop);
        } catch {
          throw this.stopped(deadline);
        }
      }
    }
  }

  private async once<T>(
    call: (context: AttemptContext) => Promise<T>,
    attempt: number,
    stop: AbortSignal | undefined,
  ): Promise<T> {
    const controller = new AbortController();
    const timeoutMs = this.options.attemptTimeoutMs;
    const timer = setTimeout(() => controller.abort(new AttemptTimeout(timeoutMs)), timeoutMs);
    const onStop = () => controller.abort(stop!.reason);
    stop?.addEventListener('abort', onStop, { once: true });
    try {
      return await untilAborted(call({ attempt, signal: controller.signal }), controller.signal);
    } catch (error) {
      if (controller.signal.aborted) throw controller.signal.reason;
      if (error instanceof AttemptRefused) throw error;
      throw this.normalise(error);
    } finally {
      clearTimeout(timer);
      stop?.removeEventListener('abort', onStop);
    }
  }

  private retryable(error: unknown): boolean {
    if (error instanceof AttemptTimeout) return true;
    return (
      error instanceof ProviderCallError &&
      error.kind === 'transient' &&
      (error.retryAfterMs ?? 0) <= this.options.maxRetryAfterMs
    );
  }

  private delayBefore(error: unknown, attempt: number): number {
    if (error instanceof ProviderCallError && error.retryAfterMs !== undefined) return error.retryAfterMs;
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempt - 1));
    // "Equal jitter": at least half the exponential step, so retries from many callers spread out
    // without any of them retrying immediately.
    return ceiling / 2 + (ceiling / 2) * this.options.random();
  }

  private normalise(error: unknown): ProviderCallError {
    if (error instanceof ProviderCallError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderCallError(this.provider, 'transient', redact(message), { outcome: 'unknown' });
  }

  /** The deadline passed or the caller gave up: a call cut by the deadline is a timeout. */
  private stopped(deadline: Deadline | undefined): DomainError {
    const provider = this.provider;
    if (deadline?.expired) {
      return new DomainError('provider_failed', `${provider} did not answer before the provider deadline`, {
        provider,
        reason: 'timeout',
      });
    }
    return new DomainError('provider_failed', `${provider} call was cancelled`, { provider, reason: 'cancelled' });
  }

  private toDomainError(error: unknown): DomainError {
    const provider = this.provider;
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      return new DomainError('provider_unavailable', `${provider} is unavailable (circuit open)`, {
        provider,
        reason: 'circuit_open',
      });
    }
    if (error instanceof AttemptTimeout) {
      return new DomainError('provider_failed', `${provider} did not answer within ${error.timeoutMs} ms`, {
        provider,
        reason: 'timeout',
      });
    }
    const failure = this.normalise(error);
    return new DomainError('provider_failed', `${provider} failed: ${redact(failure.message)}`, {
      provider,
      reason: failure.kind,
      ...(failure.status === undefined ? {} : { providerStatus: failure.status }),
    });
  }
}
