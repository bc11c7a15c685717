import type { ProviderName } from './domain/image-provider';
import { outcomeForStatus, type CallOutcome } from './domain/provider-call';

/**
 * How a failed call should be treated: `transient` is retried and counts against the provider's
 * health; `misconfigured` (bad key, unknown model) is not retried but still counts, because every
 * later call will fail the same way; `rejected` is about this one request (e.g. a prompt the
 * provider refuses) and neither retries nor trips the breaker.
 */
export type FailureKind = 'transient' | 'misconfigured' | 'rejected';

export interface ProviderCallFacts {
  /** Whether the provider did (and bills) the work; see CallOutcome. */
  readonly outcome: CallOutcome;
  readonly status?: number;
  /** The wait the provider asked for (Retry-After), when it named one. */
  readonly retryAfterMs?: number;
  /** The provider's id for the call, when it gave one before failing. */
  readonly requestId?: string;
}

/** A provider call that failed, with a message already stripped of secrets. */
export class ProviderCallError extends Error {
  readonly outcome: CallOutcome;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly requestId?: string;

  constructor(
    readonly provider: ProviderName,
    readonly kind: FailureKind,
    message: string,
    facts: ProviderCallFacts,
  ) {
    super(message);
    this.name = 'ProviderCallError';
    this.outcome = facts.outcome;
    this.status = facts.status;
    this.retryAfterMs = facts.retryAfterMs;
    this.requestId = facts.requestId;
  }

  /** An error answer: its status says both how to treat it and whether the provider worked on it. */
  static fromStatus(
    provider: ProviderName,
    status: number,
    message: string,
    facts: Omit<ProviderCallFacts, 'status' | 'outcome'> = {},
  ): ProviderCallError {
    return new ProviderCallError(provider, failureKindForStatus(status), message, {
      ...facts,
      status,
      outcome: outcomeForStatus(status),
    });
  }

  /** The same failure, known to have come after the provider did the work (or at least took it on). */
  withOutcome(outcome: CallOutcome, requestId = this.requestId): ProviderCallError {
    return new ProviderCallError(this.provider, this.kind, this.message, {
      outcome,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      requestId,
    });
  }
}

/** Errors from the connection's set-up: the request never left, so nothing can have been worked on. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * A network failure is `not_billed` only when the connection never opened (refused, no DNS
 * answer); anything later (reset, hang-up, timeout) may have reached the provider: `unknown`.
 * fetch hides the system error a few causes deep, and a host with several addresses reports an
 * AggregateError of them.
 */
export function networkFailureOutcome(error: unknown): CallOutcome {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  let connectFailures = 0;
  let others = 0;
  while (pending.length > 0) {
    const current = pending.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') {
      if (NOT_SENT_CODES.has(code)) connectFailures += 1;
      else others += 1;
    }
    if (cause !== undefined) pending.push(cause);
    if (Array.isArray(errors)) pending.push(...errors);
  }
  return connectFailures > 0 && others === 0 ? 'not_billed' : 'unknown';
}

export function failureKindForStatus(status: number): FailureKind {
  if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) return 'transient';
  if (status === 401 || status === 403 || status === 404) return 'misconfigured';
  return 'rejected';
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

const MAX_MESSAGE_LENGTH = 300;
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const CREDENTIAL_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b([Bb]earer|Basic|Key)\s+[^\s"',]+/g, '$1 [redacted]'],
  // OpenAI quotes part of a wrong key back ("Incorrect API key provided: sk-ab***yz").
  [/\bsk-[A-Za-z0-9_*.-]+/g, '[redacted]'],
  [/\b(api[_-]?key|api[_-]?secret|signature|token|password)(["']?\s*[:=]\s*["']?)[^\s"'&,]+/gi, '$1$2[redacted]'],
];

/**
 * Provider messages end up in problem responses and logs, so they lose everything that could be a
 * credential: the configured secrets, authorization schemes, key-like words, and URLs' userinfo,
 * query and fragment (signed URLs carry credentials there).
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secretParts(secrets)) result = result.split(secret).join('[redacted]');
  result = result.replace(URL_PATTERN, safeUrl);
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) result = result.replace(pattern, replacement);
  return result.length > MAX_MESSAGE_LENGTH ? `${result.slice(0, MAX_MESSAGE_LENGTH)}...` : result;
}

/** A fal key is `id:secret`; either half alone is still worth hiding. */
function secretParts(secrets: readonly (string | undefined)[]): string[] {
  const parts = secrets.flatMap((secret) => (secret ? [secret, ...secret.split(':')] : []));
  return [...new Set(parts.filter((part) => part.length >= 6))].sort((a, b) => b.length - a.length);
}

function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return '[url]';
  }
}
