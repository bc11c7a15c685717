import type { Tier } from '../../config/app-config';
import type { ProviderName } from './image-provider';

/**
 * What a provider call costs us, as far as we can know: `billed` (the provider did the work and
 * charges for it), `not_billed` (refused before any work: a 4xx, or the connection never opened),
 * `unknown` (the request may have been worked on: a timeout, a dropped connection, a 5xx after the
 * request was accepted). A budget counts `unknown` at the attempt's price, never as zero.
 */
export type CallOutcome = 'billed' | 'not_billed' | 'unknown';

export const CALL_OUTCOMES: readonly CallOutcome[] = ['billed', 'not_billed', 'unknown'];

/** An attempt as planned, before the call: what it will cost if the provider bills it. */
export interface PlannedAttempt {
  readonly provider: ProviderName;
  readonly model: string;
  /** The tier whose provider makes the call: `standard` for a fallback. */
  readonly tier: Tier;
  /** 1 for the generation's first call; fallback attempts continue the count. */
  readonly attempt: number;
  /** Integer micro-dollars the provider bills for this call if it does the work. */
  readonly priceMicros: number;
}

/** Why an attempt failed: the failure reason of the call, and the provider's status when it sent one. */
export interface AttemptError {
  readonly code: string;
  readonly message: string;
  readonly status?: number;
}

/** One provider call and its outcome. A billed attempt may still have failed (the work was paid for). */
export type ProviderAttempt = PlannedAttempt &
  (
    | {
        readonly outcome: 'billed';
        readonly costMicros: number;
        readonly requestId?: string;
        readonly error?: AttemptError;
      }
    | { readonly outcome: 'not_billed' | 'unknown'; readonly requestId?: string; readonly error: AttemptError }
  );

export function billedAttempt(
  planned: PlannedAttempt,
  costMicros: number,
  requestId: string | undefined,
  error?: AttemptError,
): ProviderAttempt {
  return {
    ...planned,
    outcome: 'billed',
    costMicros,
    ...(requestId === undefined ? {} : { requestId }),
    ...(error === undefined ? {} : { error }),
  };
}

export function failedAttempt(
  planned: PlannedAttempt,
  outcome: CallOutcome,
  error: AttemptError,
  requestId?: string,
): ProviderAttempt {
  if (outcome === 'billed') return billedAttempt(planned, planned.priceMicros, requestId, error);
  return { ...planned, outcome, error, ...(requestId === undefined ? {} : { requestId }) };
}

/** A provider's HTTP status says whether it took the request on: 4xx refused it, 5xx may have worked on it. */
export function outcomeForStatus(status: number): CallOutcome {
  return status >= 400 && status < 500 ? 'not_billed' : 'unknown';
}

export interface AttemptSpend {
  /** What billed attempts cost. */
  readonly billedMicros: number;
  /** The price of attempts whose outcome is unknown: money that may have been spent. */
  readonly unknownMicros: number;
  readonly calls: Readonly<Record<CallOutcome, number>>;
}

/** Sums attempts by outcome: billed at cost, unknown at price, not billed at nothing. */
export function attemptSpend(attempts: readonly ProviderAttempt[]): AttemptSpend {
  let billedMicros = 0;
  let unknownMicros = 0;
  const calls: Record<CallOutcome, number> = { billed: 0, not_billed: 0, unknown: 0 };
  for (const attempt of attempts) {
    calls[attempt.outcome] += 1;
    switch (attempt.outcome) {
      case 'billed':
        billedMicros += attempt.costMicros;
        break;
      case 'unknown':
        unknownMicros += attempt.priceMicros;
        break;
      case 'not_billed':
        break;
      default: {
        const unexpected: never = attempt;
        throw new Error(`unknown call outcome ${JSON.stringify(unexpected)}`);
      }
    }
  }
  return { billedMicros, unknownMicros, calls };
}

/** The most the attempts can have cost: billed plus unknown. */
export function exposureMicros(attempts: readonly ProviderAttempt[]): number {
  const spend = attemptSpend(attempts);
  return spend.billedMicros + spend.unknownMicros;
}
