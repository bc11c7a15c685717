import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Database } from '../../database/database';
import type { Clock } from '../../common/clock';
import { DomainError } from '../../common/domain-error';

export interface IdempotentResult {
  readonly statusCode: number;
  readonly body: unknown;
}

type IdempotencyOutcome =
  | { readonly kind: 'new'; complete(statusCode: number, response: unknown): Promise<void>; abandon(): Promise<void> }
  | { readonly kind: 'replay'; readonly statusCode: number; readonly response: unknown };

/**
 * Idempotency-Key per user (Stripe's rules): the same key and body return the first response and
 * charge nothing more; another body is 422; a request still running is 409. Only successes are
 * kept: a failed request charged nothing, so retrying it with the same key runs it again. A
 * record left running by a crashed process stops blocking after `abandonAfterMs`.
 */
export class IdempotencyStore {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly abandonAfterMs: number,
  ) {}

  /** JSON with sorted keys (RFC 8785), so `{a,b}` and `{b,a}` are the same request. */
  static requestHash(body: unknown): string {
    return createHash('sha256')
      .update(canonicalize(body) ?? '')
      .digest('hex');
  }

  /** Runs `work` once per key and body: a replay answers with the first run's response. */
  async once(
    userId: string,
    key: string,
    body: unknown,
    work: () => Promise<IdempotentResult>,
  ): Promise<IdempotentResult> {
    const outcome = await this.begin(userId, key, IdempotencyStore.requestHash(body));
    if (outcome.kind === 'replay') return { statusCode: outcome.statusCode, body: outcome.response };
    try {
      const result = await work();
      await outcome.complete(result.statusCode, result.body);
      return result;
    } catch (error) {
      await outcome.abandon().catch(() => undefined);
      throw error;
    }
  }

  private async begin(userId: string, key: string, requestHash: string): Promise<IdempotencyOutcome> {
    const now = this.clock.now();
    const rows = await this.database.query<{
      inserted: boolean;
      request_hash: string;
      state: string;
      status_code: number | null;
      response: unknown;
      created_at: Date;
    }>(
      `WITH attempt AS (
         INSERT INTO idempotency_keys (user_id, key, request_hash, state, created_at)
         VALUES ($1, $2, $3, 'running', $4)
         ON CONFLICT (user_id, key) DO UPDATE SET request_hash = excluded.request_hash, created_at = excluded.created_at
           WHERE idempotency_keys.state = 'running' AND idempotency_keys.created_at < $5
         RETURNING true AS inserted, request_hash, state, status_code, response, created_at)
       SELECT * FROM attempt
       UNION ALL
       SELECT false, request_hash, state, status_code, response, created_at FROM idempotency_keys
        WHERE user_id = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM attempt)`,
      [userId, key, requestHash, now.toISOString(), new Date(now.getTime() - this.abandonAfterMs).toISOString()],
    );
    const row = rows[0];
    if (!row) return this.begin(userId, key, requestHash);
    if (row.inserted) {
      return {
        kind: 'new',
        complete: async (statusCode, response) => {
          await this.database.query(
            `UPDATE idempotency_keys SET state = 'done', status_code = $3, response = $4::jsonb WHERE user_id = $1 AND key = $2`,
            [userId, key, statusCode, JSON.stringify(response)],
          );
        },
        abandon: async () => {
          await this.database.query(
            `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'running'`,
            [userId, key],
          );
        },
      };
    }
    if (row.request_hash !== requestHash) {
      throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was used with a different request body');
    }
    if (row.state === 'running') {
      throw new DomainError(
        'idempotency_in_progress',
        'A request with this Idempotency-Key is still running; retry shortly',
      );
    }
    return { kind: 'replay', statusCode: Number(row.status_code), response: row.response };
  }
}
