import type { ProviderName } from './domain/image-provider';

/**
 * How a failed call should be treated: `transient` is retried and counts against the provider's
 * health; `misconfigured` (bad key, unknown model) is not retried but still counts, because every
 * later call will fail the same way; `rejected` is about this one request (e.g. a prompt the
 * provider refuses) and neither retries nor trips the breaker.
 */
export type FailureKind = 'transient' | 'misconfigured' | 'rejected';

/** A provider call that failed, with a message already stripped of secrets. */
export class ProviderCallError extends Error {
  constructor(
    readonly provider: ProviderName,
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    /** The wait the provider asked for (Retry-After), when it named one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProviderCallError';
  }
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
