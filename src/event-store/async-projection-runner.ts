import type { DedicatedSession } from '../database/database';
import type { EventStore } from './event-store';
import { liveTables, type Projection, type TableNames } from './projection';
import type { WakeSource } from './append-signals';
import { eventsBehind } from './checkpoints';
import { applyBatch, type NextStep } from './projection-batch';

export interface AsyncRunnerOptions {
  readonly batchSize?: number;
  /** How often an idle leader looks for new events when no wake-up arrives. */
  readonly pollIntervalMs?: number;
  /** How often a standby replica tries to become the leader. */
  readonly electionRetryMs?: number;
  /**
   * The shortest time between two batches started by wake-ups: under a steady write load, appends
   * arriving meanwhile are read in one batch instead of a batch each (default 250 ms).
   */
  readonly minBatchIntervalMs?: number;
  /** Wake-ups besides this process's own appends (NOTIFY from other replicas). */
  readonly wake?: WakeSource;
  readonly onError?: (error: unknown, projection: string) => void;
}

export type RunnerState = 'stopped' | 'standby' | 'leader';

export interface RunnerStatus {
  readonly projection: string;
  readonly state: RunnerState;
  /** The last batch failed; the runner keeps retrying with a growing pause. */
  readonly failing: boolean;
  readonly lastError?: string;
}

const MAX_FAILURE_PAUSE_MS = 30_000;
const HELD_BACK_RETRY_MS = 100;

/**
 * Runs one async projection: one active runner across all replicas, elected with a session
 * advisory lock (`projection:<name>`). The leader applies batches, each in ONE transaction that
 * locks the checkpoint row FOR UPDATE, applies the events and moves the checkpoint, so even two
 * runners that overlapped (a leader that lost its session mid-batch) cannot apply an event twice.
 */
export class AsyncProjectionRunner {
  private readonly tables: TableNames;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly electionRetryMs: number;
  private readonly minBatchIntervalMs: number;
  private state: RunnerState = 'stopped';
  private lastError: string | undefined;
  private consecutiveFailures = 0;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private woken = false;
  private checkpointRowSeen = false;
  private endSleep: (() => void) | undefined;
  private sleepEndsOnWake = false;
  private unsubscribe: Array<() => void> = [];

  constructor(
    readonly store: EventStore,
    readonly projection: Projection,
    private readonly options: AsyncRunnerOptions = {},
  ) {
    if (projection.kind !== 'async') throw new Error(`Projection ${projection.name} is not async`);
    this.tables = liveTables(projection);
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.electionRetryMs = options.electionRetryMs ?? 3000;
    this.minBatchIntervalMs = options.minBatchIntervalMs ?? 250;
  }

  get lockKey(): string {
    return `projection:${this.projection.name}`;
  }

  status(): RunnerStatus {
    return {
      projection: this.projection.name,
      state: this.state,
      failing: this.lastError !== undefined,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.state = 'standby';
    this.unsubscribe = [this.store.onAppended(() => this.wake())];
    if (this.options.wake) this.unsubscribe.push(this.options.wake.subscribe(() => this.wake()));
    this.loop = this.run();
  }

  /** Finishes the batch in progress, then gives up leadership. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.unsubscribe = [];
    this.endSleep?.();
    await this.loop;
    this.loop = undefined;
    this.state = 'stopped';
  }

  /**
   * How many events the shared checkpoint is behind the newest safely readable event, counted
   * exactly up to `cap` (then `cap` is returned): the count walks the (transaction id, global
   * position) index from the checkpoint, so it stays cheap however far behind a runner is.
   * It counts every event, not only the projection's types; a runner that is caught up moves its
   * checkpoint to the head, so an idle projection reads 0.
   */
  lag(cap = 100_000): Promise<number> {
    return eventsBehind(this.store.database, this.projection.name, cap);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let session: DedicatedSession | undefined;
      try {
        session = await this.store.database.openSession();
        await this.electAndLead(session);
      } catch (error) {
        this.failed(error);
      } finally {
        await session?.close();
      }
      if (!this.stopping) await this.sleep(this.electionRetryMs);
    }
  }

  /** Returns when stopping or when the session broke (its lock is gone with it). */
  private async electAndLead(session: DedicatedSession): Promise<void> {
    let sessionLost = false;
    void session.lost.then(() => {
      sessionLost = true;
      this.endSleep?.();
    });
    while (!this.stopping && !sessionLost) {
      if (!(await session.tryAdvisoryLock(this.lockKey))) {
        // A standby that reaches the database again is healthy, whatever failed before.
        this.succeeded();
        await this.sleep(this.electionRetryMs);
        continue;
      }
      this.state = 'leader';
      try {
        await this.lead(() => sessionLost);
      } finally {
        this.state = 'standby';
      }
      if (!sessionLost) await session.unlock(this.lockKey);
      return;
    }
  }

  private async lead(sessionLost: () => boolean): Promise<void> {
    while (!this.stopping && !sessionLost()) {
      this.woken = false;
      const startedAt = Date.now();
      let next: NextStep;
      try {
        next = await this.applyNextBatch();
        this.succeeded();
      } catch (error) {
        this.failed(error);
        await this.sleep(Math.min(MAX_FAILURE_PAUSE_MS, 250 * 2 ** Math.min(this.consecutiveFailures, 7)));
        continue;
      }
      if (next === 'more') continue;
      if (this.woken) {
        await this.sleep(startedAt + this.minBatchIntervalMs - Date.now());
        continue;
      }
      // Events held back by a running transaction bring no wake-up when it ends: look again soon.
      await this.sleep(next === 'held-back' ? Math.min(HELD_BACK_RETRY_MS, this.pollIntervalMs) : this.pollIntervalMs, {
        endsOnWake: true,
      });
    }
  }

  /** One batch in one transaction, and what to do next. */
  private async applyNextBatch(): Promise<NextStep> {
    const next = await this.store.database.transaction((tx) =>
      applyBatch(tx, this.store, this.projection, this.tables, {
        batchSize: this.batchSize,
        ensureCheckpointRow: !this.checkpointRowSeen,
      }),
    );
    this.checkpointRowSeen = true;
    return next;
  }

  private succeeded(): void {
    this.consecutiveFailures = 0;
    this.lastError = undefined;
  }

  private failed(error: unknown): void {
    this.consecutiveFailures += 1;
    this.lastError = error instanceof Error ? error.message : String(error);
    this.options.onError?.(error, this.projection.name);
  }

  /** Looks for new events now if idle (appends of this process and NOTIFYs call this too). */
  wake(): void {
    this.woken = true;
    if (this.sleepEndsOnWake) this.endSleep?.();
  }

  /**
   * Sleeps until the time is up or the runner stops. Only an idle leader is woken by appends: a
   * standby or a failing runner keeps its pace whatever the write load.
   */
  private sleep(ms: number, options: { endsOnWake?: boolean } = {}): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.endSleep = undefined;
        this.sleepEndsOnWake = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.endSleep = done;
      this.sleepEndsOnWake = options.endsOnWake === true;
    });
  }
}
