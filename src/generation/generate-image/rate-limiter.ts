import type { Database } from '../../database/database';
import type { Clock } from '../../common/clock';
import { DomainError } from '../../common/domain-error';

const WINDOW_MS = 60_000;

/**
 * Per-user fixed one-minute windows counted in PostgreSQL, so every replica shares them. One
 * statement per request: an upsert that returns the window's count.
 */
export class RateLimiter {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly perMinute: number,
  ) {}

  async hit(subject: string): Promise<void> {
    const now = this.clock.now().getTime();
    const windowStart = now - (now % WINDOW_MS);
    const [row] = await this.database.query<{ hits: number }>(
      `INSERT INTO rate_limit_windows (subject, window_start, hits) VALUES ($1, $2, 1)
       ON CONFLICT (subject, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1
       RETURNING hits`,
      [subject, new Date(windowStart).toISOString()],
    );
    if (Number(row.hits) > this.perMinute) {
      const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
      throw new DomainError('rate_limited', `More than ${this.perMinute} generation requests in a minute; retry in ${retryAfterSeconds} s`, {
        retryAfterSeconds,
      });
    }
  }

  async purgeBefore(cutoff: Date): Promise<void> {
    await this.database.query('DELETE FROM rate_limit_windows WHERE window_start < $1', [cutoff.toISOString()]);
  }
}
