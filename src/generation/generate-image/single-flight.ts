import type { Database } from '../../database/database';
import type { Clock } from '../../common/clock';

export type Flight = { readonly role: 'leader'; finish(): Promise<void> } | { readonly role: 'follower' };

/**
 * Concurrent identical cache misses share one provider call. The database coordinates, so it holds
 * across replicas: the first request inserts the in-flight row for its cache key and generates;
 * the others wait until the row is gone and then read the cache. If the leader failed (no cache
 * entry appears), a waiter takes over; a row left by a crashed process is taken over after
 * `staleAfterMs`. In one process, waiters are woken directly instead of polling.
 */
export class SingleFlight {
  private readonly local = new Map<string, Promise<void>>();

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly owner: string,
    private readonly staleAfterMs: number,
    private readonly pollMs = 100,
  ) {}

  /** Resolves as leader (you generate) or as follower (read the cache: it may now have the image). */
  async join(cacheKey: string, hasResult: () => Promise<boolean>, deadline: number): Promise<Flight> {
    let waited = false;
    for (;;) {
      if (waited && (await hasResult())) return { role: 'follower' };
      const leader = await this.tryLead(cacheKey);
      if (leader) return leader;
      waited = true;
      if (Date.now() > deadline) return { role: 'follower' };
      const local = this.local.get(cacheKey);
      if (local) await local;
      else await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }

  private async tryLead(cacheKey: string): Promise<Flight | undefined> {
    const now = this.clock.now();
    const staleBefore = new Date(now.getTime() - this.staleAfterMs).toISOString();
    const rows = await this.database.query<{ cache_key: string }>(
      `INSERT INTO generation_inflight (cache_key, owner, started_at) VALUES ($1, $2, $3)
       ON CONFLICT (cache_key) DO UPDATE SET owner = excluded.owner, started_at = excluded.started_at
         WHERE generation_inflight.started_at < $4
       RETURNING cache_key`,
      [cacheKey, this.owner, now.toISOString(), staleBefore],
    );
    if (rows.length === 0) return undefined;
    let wake!: () => void;
    this.local.set(cacheKey, new Promise<void>((resolve) => (wake = resolve)));
    return {
      role: 'leader',
      finish: async () => {
        try {
          await this.database.query('DELETE FROM generation_inflight WHERE cache_key = $1 AND owner = $2', [
            cacheKey,
            this.owner,
          ]);
        } finally {
          this.local.delete(cacheKey);
          wake();
        }
      },
    };
  }
}
