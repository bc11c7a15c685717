import type { Database, Sql } from '../../database/database';
import type { Clock } from '../../common/clock';

/**
 * A leader generates and then `finish`es, naming the cache key its image went under when that is
 * not the flight's own (a fallback served it). A follower reads the cache: the flight's key, or
 * `servedKey`, the key its leader's image went under.
 */
export type Flight = LeaderFlight | { readonly role: 'follower'; readonly servedKey?: string };

export interface LeaderFlight {
  readonly role: 'leader';
  /**
   * Ends the flight inside `tx` (the success's own transaction), so it costs no commit of its own;
   * `finish` must still be called after that commit, and then only wakes this process's waiters.
   */
  endIn(tx: Sql, servedKey?: string): Promise<void>;
  /** Ends the flight, unless `endIn` did in a transaction that committed (`endedInCommit`). */
  finish(servedKey?: string, endedInCommit?: boolean): Promise<void>;
}

/** Does the cache hold a result for the flight (under its own key, or under `servedKey`)? */
export type HasResult = (servedKey?: string) => Promise<boolean>;

/**
 * How much earlier than a follower joined its leader's result may have been recorded: the leader's
 * clock may run a little behind (another replica).
 */
const CLOCK_SLACK_MS = 5_000;

/**
 * Concurrent identical cache misses share one provider call. The database coordinates, so it holds
 * across replicas: the first request inserts the in-flight row for the request's key and
 * generates; the others wait until the row is gone and then read the cache, under the request's
 * key or the key the leader says served it (after a fallback, Standard's). If the leader failed (no
 * cache entry appears), a waiter takes over; a row left by a crashed process is taken over after
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
  async join(
    flightKey: string,
    hasResult: HasResult,
    deadline: number,
    options: { triedToLead?: boolean } = {},
  ): Promise<Flight> {
    const joinedAt = this.clock.now().getTime();
    let waited = false;
    // Another statement found the flight led already: wait for its leader before looking again.
    if (options.triedToLead) {
      waited = true;
      if (Date.now() > deadline) return { role: 'follower' };
      await this.wait(flightKey);
    }
    for (;;) {
      if (waited) {
        const served = await this.served(flightKey, hasResult, joinedAt);
        if (served) return served;
      }
      const leader = await this.tryLead(flightKey);
      if (leader) {
        if (!waited) return leader;
        // The leader before may have finished between the look at the cache and taking over.
        const served = await this.served(flightKey, hasResult, joinedAt);
        if (!served) return leader;
        await leader.finish();
        return served;
      }
      waited = true;
      if (Date.now() > deadline) return { role: 'follower' };
      await this.wait(flightKey);
    }
  }

  /** Until this process's leader of the flight ends, or a poll's interval when another process leads. */
  private async wait(flightKey: string): Promise<void> {
    const local = this.local.get(flightKey);
    if (local) await local;
    else await new Promise((resolve) => setTimeout(resolve, this.pollMs));
  }

  /** A follower's answer when the cache holds the flight's result, under its key or the key that served it. */
  private async served(flightKey: string, hasResult: HasResult, joinedAt: number): Promise<Flight | undefined> {
    if (await hasResult()) return { role: 'follower' };
    const [row] = await this.database.query<{ served_key: string }>(
      'SELECT served_key FROM generation_flight_results WHERE flight_key = $1 AND finished_at >= $2',
      [flightKey, new Date(joinedAt - CLOCK_SLACK_MS).toISOString()],
    );
    if (row && (await hasResult(row.served_key))) return { role: 'follower', servedKey: row.served_key };
    return undefined;
  }

  /** A follower waits at most `staleAfterMs` and reads results from its join on, less the slack. */
  private resultsKeptSince(now: Date): Date {
    return new Date(now.getTime() - this.staleAfterMs - 2 * CLOCK_SLACK_MS);
  }

  /** The in-flight row's claim for an insert made elsewhere (`leadFlightSql`), and when another's row is stale. */
  claim(): { owner: string; startedAt: string; staleBefore: string } {
    const now = this.clock.now();
    return {
      owner: this.owner,
      startedAt: now.toISOString(),
      staleBefore: new Date(now.getTime() - this.staleAfterMs).toISOString(),
    };
  }

  private async tryLead(flightKey: string): Promise<LeaderFlight | undefined> {
    const { owner, startedAt, staleBefore } = this.claim();
    const rows = await this.database.query<{ cache_key: string }>(leadFlightSql('VALUES ($1, $2, $3)', '$4'), [
      flightKey,
      owner,
      startedAt,
      staleBefore,
    ]);
    return rows.length === 0 ? undefined : this.leaderOf(flightKey);
  }

  /** The flight this process leads now that its in-flight row is in (by `tryLead` or another statement). */
  leaderOf(flightKey: string): LeaderFlight {
    let wake!: () => void;
    this.local.set(flightKey, new Promise<void>((resolve) => (wake = resolve)));
    const end = async (sql: Sql, servedKey: string | undefined) => {
      if (servedKey === undefined || servedKey === flightKey) {
        await sql.query('DELETE FROM generation_inflight WHERE cache_key = $1 AND owner = $2', [flightKey, this.owner]);
        return;
      }
      // The result first, then the row's end, in one statement: a follower that finds the row
      // gone finds the key that served. Results no follower can still be waiting for (older than
      // the longest wait) go in the same statement, so the table stays small.
      const now = this.clock.now();
      await sql.query(
        `WITH ended AS (DELETE FROM generation_inflight WHERE cache_key = $1 AND owner = $2),
              pruned AS (DELETE FROM generation_flight_results WHERE finished_at < $5 AND flight_key <> $1)
         INSERT INTO generation_flight_results (flight_key, served_key, finished_at) VALUES ($1, $3, $4)
         ON CONFLICT (flight_key) DO UPDATE SET served_key = excluded.served_key, finished_at = excluded.finished_at`,
        [flightKey, this.owner, servedKey, now.toISOString(), this.resultsKeptSince(now).toISOString()],
      );
    };
    return {
      role: 'leader',
      endIn: (tx, servedKey) => end(tx, servedKey),
      finish: async (servedKey, endedInCommit = false) => {
        try {
          if (!endedInCommit) await end(this.database, servedKey);
        } finally {
          this.local.delete(flightKey);
          wake();
        }
      },
    };
  }
}

/**
 * Inserts the in-flight row of each key in `rows` (cache_key, owner, started_at), or takes over
 * one whose start is before `staleBefore` (its process crashed); answers the keys now led.
 */
export function leadFlightSql(rows: string, staleBefore: string): string {
  return `INSERT INTO generation_inflight (cache_key, owner, started_at) ${rows}
    ON CONFLICT (cache_key) DO UPDATE SET owner = excluded.owner, started_at = excluded.started_at
      WHERE generation_inflight.started_at < ${staleBefore}
    RETURNING cache_key`;
}
