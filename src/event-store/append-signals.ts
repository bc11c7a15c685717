import type { EventStore } from './event-store';

/** The channel every process NOTIFYs after it appended, and LISTENs on to wake its runners. */
const EVENTS_CHANNEL = 'genledger_events';

/** Something that tells async runners that new events may be there. */
export interface WakeSource {
  subscribe(listener: () => void): () => void;
}

export interface AppendSignalsOptions {
  /** At most one NOTIFY per this many milliseconds per process. */
  readonly notifyIntervalMs?: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * Wakes the async runners of this process and of the other replicas after appends.
 *
 * In process, every committed append wakes the local runners at once. Across processes (PostgreSQL
 * only) appends are signalled with NOTIFY, debounced: a burst of appends costs one NOTIFY per
 * interval, sent on its own connection after the appends committed (never inside an append's
 * transaction, where it would lengthen it and only be delivered at its commit anyway). A trailing
 * NOTIFY always follows the last append of a burst, so no wake-up is lost; runners poll as well.
 */
export class AppendSignals implements WakeSource {
  private readonly listeners = new Set<() => void>();
  private readonly notifyIntervalMs: number;
  private stopAppendListener: (() => void) | undefined;
  private stopListening: (() => Promise<void>) | undefined;
  private lastNotifyAt = 0;
  private trailingNotify: NodeJS.Timeout | undefined;
  private notifying: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: EventStore,
    private readonly options: AppendSignalsOptions = {},
  ) {
    this.notifyIntervalMs = options.notifyIntervalMs ?? 100;
  }

  subscribe(listener: () => void): () => void {
    const own = () => listener();
    this.listeners.add(own);
    return () => {
      this.listeners.delete(own);
    };
  }

  async start(): Promise<void> {
    if (this.stopAppendListener) return;
    this.stopAppendListener = this.store.onAppended(() => this.appended());
    if (this.store.database.kind === 'postgres') {
      this.stopListening = await this.store.database.listen(EVENTS_CHANNEL, () => this.wake());
    }
  }

  async stop(): Promise<void> {
    this.stopAppendListener?.();
    this.stopAppendListener = undefined;
    if (this.trailingNotify) clearTimeout(this.trailingNotify);
    this.trailingNotify = undefined;
    await this.notifying;
    await this.stopListening?.();
    this.stopListening = undefined;
  }

  private appended(): void {
    this.wake();
    if (this.store.database.kind !== 'postgres' || this.trailingNotify) return;
    const wait = this.lastNotifyAt + this.notifyIntervalMs - Date.now();
    if (wait <= 0) {
      this.notify();
      return;
    }
    this.trailingNotify = setTimeout(() => {
      this.trailingNotify = undefined;
      this.notify();
    }, wait);
    this.trailingNotify.unref();
  }

  private notify(): void {
    this.lastNotifyAt = Date.now();
    this.notifying = this.store.database
      .query(`SELECT pg_notify('${EVENTS_CHANNEL}', '')`)
      .then(() => undefined)
      .catch((error: unknown) => this.options.onError?.(error));
  }

  private wake(): void {
    for (const listener of this.listeners) listener();
  }
}
