import { ProviderCallError } from './provider-error';

/** An attempt that did not answer within `attemptTimeoutMs`; the abort reason of its signal. */
export class AttemptTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'AttemptTimeout';
  }
}

/**
 * Thrown by a call that decided not to make its attempt (e.g. the caller could not hold the money
 * for it): passed through untouched, never retried, never counted against the provider.
 */
export class AttemptRefused extends Error {
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
    this.name = 'AttemptRefused';
  }
}

/** One signal that aborts when either does (with that one's reason). */
export function combine(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return AbortSignal.any([a, b]);
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts, whichever is first. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

export function summary(error: unknown): string {
  if (error instanceof ProviderCallError) return error.message;
  return error instanceof Error ? error.name : String(error);
}
