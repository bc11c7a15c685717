import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { Logger } from '@nestjs/common';
import type { Database, Sql } from '../../database/database';
import type { Clock } from '../../common/clock';
import { DomainError } from '../../common/domain-error';

export interface IdempotentResult {
  readonly statusCode: number;
  readonly body: unknown;
}

/** The running record of one request under its key: what `commitIn` marks inside the caller's transaction. */
export interface IdempotencyClaim {
  readonly userId: string;
  readonly key: string;
  readonly claimedAt: string;
}

/** The answer of a request whose charge committed, rebuilt from what `commitIn` recorded. */
export type ResumeCommitted = (recorded: unknown) => Promise<IdempotentResult>;

type IdempotencyOutcome =
  | {
      readonly kind: 'new';
      readonly claim: IdempotencyClaim;
      complete(statusCode: number, response: unknown): Promise<void>;
      abandon(): Promise<void>;
    }
  | { readonly kind: 'replay'; readonly statusCode: number; readonly response: unknown }
  | {
      readonly kind: 'committed';
      readonly recorded: unknown;
      complete(statusCode: number, response: unknown): Promise<void>;
    };

/**
 * Idempotency-Key per user (Stripe's rules): the same key and body return the first response and
 * charge nothing more; another body is 422; a request still running is 409. Only successes are
 * kept: a failed request charged nothing, so retrying it with the same key runs it again. A
 * record left running by a crashed process stops blocking after `abandonAfterMs`.
 *
 * A request that charges marks its record `committed` in the charge's own transaction
 * (`commitIn`): from that commit on the key answers with that success, never runs again and is
 * never abandoned, even when storing the finished answer afterwards fails (a replay then rebuilds
 * the answer from what was recorded and stores it).
 */
export class IdempotencyStore {
  private readonly logger = new Logger('generation');

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

  /**
   * Runs `work` once per key and body: a replay answers with the first run's response, and a
   * request whose charge committed but whose answer was not stored answers through `resume`.
   */
  async once(
    userId: string,
    key: string,
    body: unknown,
    work: (claim: IdempotencyClaim) => Promise<IdempotentResult>,
    resume?: ResumeCommitted,
  ): Promise<IdempotentResult> {
    const outcome = await this.begin(userId, key, IdempotencyStore.requestHash(body));
    if (outcome.kind === 'replay') return { statusCode: outcome.statusCode, body: outcome.response };
    if (outcome.kind === 'committed') {
      if (!resume) throw new Error(`Idempotency-Key ${key} committed, and nothing can rebuild its answer`);
      const resumed = await resume(outcome.recorded);
      await this.keep(outcome, resumed, key);
      return resumed;
    }
    let result: IdempotentResult;
    try {
      result = await work(outcome.claim);
    } catch (error) {
      await outcome.abandon().catch(() => undefined);
      throw error;
    }
    if (!(await this.keep(outcome, result, key))) {
      // A record still running charged nothing (a committed one stays): a retry may run it again.
      await outcome.abandon().catch(() => undefined);
    }
    return result;
  }

  /**
   * Marks the claim's record committed inside `tx`, with what `resume` needs to answer again. A
   * record another request took over (this one ran past `abandonAfterMs`) is left as it is.
   */
  async commitIn(tx: Sql, claim: IdempotencyClaim, recorded: unknown): Promise<void> {
    await tx.query(
      `UPDATE idempotency_keys SET state = 'committed', response = $4::jsonb
        WHERE user_id = $1 AND key = $2 AND created_at = $3 AND state = 'running'`,
      [claim.userId, claim.key, claim.claimedAt, JSON.stringify(recorded)],
    );
  }

  /**
   * Deletes up to `limit` records claimed before `cutoff` (the retention job), oldest first, and
   * answers how many went. A key past retention is a new key: its request runs again.
   */
  async purgeOlderThan(cutoff: Date, limit: number): Promise<number> {
    const rows = await this.database.query<{ key: string }>(
      `DELETE FROM idempotency_keys WHERE (user_id, key) IN (
         SELECT user_id, key FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2)
       RETURNING key`,
      [cutoff.toISOString(), limit],
    );
    return rows.length;
  }

  /** Stores the answer; a failure here loses no success, so it is logged and the answer given. */
  private async keep(
    outcome: { complete(statusCode: number, response: unknown): Promise<void> },
    result: IdempotentResult,
    key: string,
  ): Promise<boolean> {
    try {
      await outcome.complete(result.statusCode, result.body);
      return true;
    } catch (error) {
      this.logger.error({ idempotencyKey: key, message: (error as Error).message }, 'storing the answer failed');
      return false;
    }
  }

  private async begin(userId: string, key: string, requestHash: string): Promise<IdempotencyOutcome> {
    const now = this.clock.now();
    const claimedAt = now.toISOString();
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
      [userId, key, requestHash, claimedAt, new Date(now.getTime() - this.abandonAfterMs).toISOString()],
    );
    const row = rows[0];
    if (!row) return this.begin(userId, key, requestHash);
    const complete = async (statusCode: number, response: unknown) => {
      await this.database.query(
        `UPDATE idempotency_keys SET state = 'done', status_code = $3, response = $4::jsonb
          WHERE user_id = $1 AND key = $2 AND state IN ('running', 'committed')`,
        [userId, key, statusCode, JSON.stringify(response)],
      );
    };
    if (row.inserted) {
      return {
        kind: 'new',
        claim: { userId, key, claimedAt },
        complete,
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
    if (row.state === 'committed') return { kind: 'committed', recorded: row.response, complete };
    return { kind: 'replay', statusCode: Number(row.status_code), response: row.response };
  }
}
