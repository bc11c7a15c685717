import { DeadlineExceeded } from './deadline';
import type { Deadline } from './deadline';
import type { GenerateParams } from './domain/image-provider';
import { failedAttempt, type AttemptError, type PlannedAttempt, type ProviderAttempt } from './domain/provider-call';
import { ProviderCallError, redact } from './provider-error';
import { AttemptTimeout } from './attempt-signals';

/**
 * The attempts of one generation, each entered before its call starts. An attempt whose call has
 * not settled when the generation ends (cut by a timeout while the provider ignored the abort) is
 * reported as `unknown`; whatever it settles to later is not taken.
 */
export class AttemptLog {
  private readonly entries: LogEntry[] = [];
  private closed = false;

  get size(): number {
    return this.entries.length;
  }

  start(planned: PlannedAttempt): {
    settle(attempt: ProviderAttempt): void;
    noteRequestId(requestId: string): void;
    requestId(): string | undefined;
  } {
    const entry: LogEntry = { planned };
    this.entries.push(entry);
    return {
      settle: (attempt) => {
        if (!this.closed) entry.settled = attempt;
      },
      noteRequestId: (requestId) => {
        if (!this.closed) entry.requestId = requestId;
      },
      requestId: () => entry.requestId,
    };
  }

  close(pending: AttemptError): readonly ProviderAttempt[] {
    this.closed = true;
    return this.sofar(pending);
  }

  /** The attempts as they stand: one whose call has not settled is `unknown` (it may be worked on). */
  sofar(
    pending: AttemptError = { code: 'pending', message: 'the call has not answered yet' },
  ): readonly ProviderAttempt[] {
    return this.entries.map(
      (entry) => entry.settled ?? failedAttempt(entry.planned, 'unknown', pending, entry.requestId),
    );
  }
}

interface LogEntry {
  readonly planned: PlannedAttempt;
  requestId?: string;
  settled?: ProviderAttempt;
}

export function pendingError(run: { readonly deadline: Deadline; readonly params: GenerateParams }): AttemptError {
  return run.deadline.expired || !run.params.signal?.aborted
    ? { code: 'timeout', message: 'the call was cut off before it answered' }
    : { code: 'cancelled', message: 'the call was cancelled before it answered' };
}

/**
 * A failed call is as billed as the provider says; one cut off by a timeout or the caller is
 * unknown unless the provider knew it billed; an unexplained one may have been worked on.
 */
export function failedAttemptOf(
  planned: PlannedAttempt,
  error: unknown,
  signal: AbortSignal | undefined,
  noted: string | undefined,
): ProviderAttempt {
  const known = error instanceof ProviderCallError ? error : undefined;
  const requestId = known?.requestId ?? noted;
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    const code = reason instanceof AttemptTimeout || reason instanceof DeadlineExceeded ? 'timeout' : 'cancelled';
    const message = reason instanceof Error ? reason.message : 'the call was aborted';
    return failedAttempt(planned, known?.outcome === 'billed' ? 'billed' : 'unknown', { code, message }, requestId);
  }
  if (known) {
    const status = known.status === undefined ? {} : { status: known.status };
    return failedAttempt(planned, known.outcome, { code: known.kind, message: known.message, ...status }, requestId);
  }
  const message = error instanceof Error ? error.message : String(error);
  return failedAttempt(planned, 'unknown', { code: 'transient', message: redact(message) }, requestId);
}
