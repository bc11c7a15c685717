import type { Database } from '../../database/database';
import type { Clock } from '../../common/clock';
import { DomainError } from '../../common/domain-error';

export const RATE_LIMIT_WINDOW_MS = 60_000;

interface PendingHit {
  readonly subject: string;
  readonly windowStart: number;
  resolve(hits: number): void;
  reject(error: unknown): void;
}

/** The subject a user's generation requests are counted under. */
export function generationSubject(userId: string): string {
  return `generate:${userId}`;
}

/**
 * Per-user fixed one-minute windows counted in PostgreSQL, so every replica shares them. Hits
 * that arrive while a count is being written are counted together in the next statement (as the
 * event store groups appends): one upsert per batch, each hit given the count it would have had
 * alone, so the limit stays exact while a burst costs the database one statement, not hundreds.
 */
export class RateLimiter {
  private queue: PendingHit[] = [];
  private writing = false;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly perMinute: number,
    /** What is counted, as the 429 says it: "generation requests", "print selections". */
    private readonly counted = 'generation requests',
  ) {}

  async hit(subject: string): Promise<void> {
    const now = this.clock.now().getTime();
    const windowStart = windowStartOf(now);
    const hits = await new Promise<number>((resolve, reject) => {
      this.queue.push({ subject, windowStart, resolve, reject });
      if (!this.writing) void this.writeBatches();
    });
    if (hits > this.perMinute) throw rateLimited(this.perMinute, windowStart, now, this.counted);
  }

  /**
   * Deletes up to `limit` windows that started before `before` (the retention job): a window past
   * its minute counts nothing any more. Answers how many went.
   */
  async purgeBefore(before: Date, limit: number): Promise<number> {
    const rows = await this.database.query<{ subject: string }>(
      `DELETE FROM rate_limit_windows WHERE (subject, window_start) IN (
         SELECT subject, window_start FROM rate_limit_windows WHERE window_start < $1 LIMIT $2)
       RETURNING subject`,
      [before.toISOString(), limit],
    );
    return rows.length;
  }

  private async writeBatches(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        await this.write(batch);
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(batch: readonly PendingHit[]): Promise<void> {
    const groups = new Map<string, PendingHit[]>();
    for (const hit of batch) {
      const key = `${hit.windowStart}\u0000${hit.subject}`;
      const group = groups.get(key);
      if (group) group.push(hit);
      else groups.set(key, [hit]);
    }
    // Rows in one order in every process, so two replicas' batches never wait on each other crosswise.
    const ordered = [...groups.values()].sort((a, b) => compare(a[0], b[0]));
    try {
      const rows = await this.database.query<{ subject: string; window_start: Date | string; hits: number | string }>(
        `INSERT INTO rate_limit_windows (subject, window_start, hits)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[])
         ON CONFLICT (subject, window_start) DO UPDATE SET hits = rate_limit_windows.hits + excluded.hits
         RETURNING subject, window_start, hits`,
        [
          ordered.map((hits) => hits[0].subject),
          ordered.map((hits) => new Date(hits[0].windowStart).toISOString()),
          ordered.map((hits) => hits.length),
        ],
      );
      const totals = new Map(
        rows.map((row) => [`${new Date(row.window_start).getTime()}\u0000${row.subject}`, Number(row.hits)]),
      );
      for (const hits of ordered) {
        const total = totals.get(`${hits[0].windowStart}\u0000${hits[0].subject}`);
        if (total === undefined) {
          hits.forEach((hit) => hit.reject(new Error('the rate-limit count was not returned')));
          continue;
        }
        // In arrival order, as if each had been counted alone.
        hits.forEach((hit, index) => hit.resolve(total - hits.length + 1 + index));
      }
    } catch (error) {
      batch.forEach((hit) => hit.reject(error));
    }
  }
}

/** The start of the fixed one-minute window that `now` (epoch ms) falls in. */
export function windowStartOf(now: number): number {
  return now - (now % RATE_LIMIT_WINDOW_MS);
}

/** The refusal of a request counted past the limit in its window. */
export function rateLimited(
  perMinute: number,
  windowStart: number,
  now: number,
  counted = 'generation requests',
): DomainError {
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + RATE_LIMIT_WINDOW_MS - now) / 1000));
  return new DomainError(
    'rate_limited',
    `More than ${perMinute} ${counted} in a minute; retry in ${retryAfterSeconds} s`,
    { retryAfterSeconds },
  );
}

function compare(a: PendingHit, b: PendingHit): number {
  if (a.windowStart !== b.windowStart) return a.windowStart - b.windowStart;
  return a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0;
}
