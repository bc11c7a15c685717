/**
 * The one deadline of a generation's provider calls (PROVIDER_DEADLINE_SECONDS): every attempt,
 * every back-off wait and the fallback run under its signal, so nothing of the call outlives it.
 */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(
    /** Epoch milliseconds. */
    readonly at: number,
    private readonly now: () => number = Date.now,
  ) {
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => this.controller.abort(new DeadlineExceeded(at)), Math.max(0, at - now()));
    // A generation that forgot to dispose of its deadline must not keep the process alive.
    this.timer.unref();
  }

  static in(ms: number, now: () => number = Date.now): Deadline {
    return new Deadline(now() + ms, now);
  }

  get expired(): boolean {
    return this.signal.aborted || this.now() >= this.at;
  }

  remainingMs(): number {
    return Math.max(0, this.at - this.now());
  }

  /** Stops the timer once the generation no longer needs it. */
  dispose(): void {
    clearTimeout(this.timer);
  }
}

/** The abort reason of a deadline's signal. */
export class DeadlineExceeded extends Error {
  constructor(readonly at: number) {
    super(`the provider deadline (${new Date(at).toISOString()}) has passed`);
    this.name = 'DeadlineExceeded';
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
