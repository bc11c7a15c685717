import { EventEmitter } from 'node:events';
import type { PGlite } from '@electric-sql/pglite';

type Release = (error?: unknown) => void;
type ConnectCallback = (error: Error | null, client: PGliteSessionClient | null, release: Release) => void;

/**
 * A `pg.Pool` look-alike for TypeORM over one PGlite instance that hands the single session to
 * one query runner at a time. PGlite has exactly one session; the community driver lets every
 * TypeORM connection use it at once, so concurrent transactions interleave and a rollback can undo
 * another request's committed work. Here a query runner holds the session from connect to release
 * (a whole transaction), and everyone else waits in FIFO order.
 */
export function exclusivePGliteDriver(pglite: PGlite): { Pool: new () => ExclusivePGlitePool } {
  const gate = new SessionGate();
  return {
    Pool: class extends ExclusivePGlitePool {
      constructor() {
        super(pglite, gate);
      }
    },
  };
}

class SessionGate {
  private held = false;
  private readonly waiting: Array<() => void> = [];

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

class ExclusivePGlitePool extends EventEmitter {
  private readonly client: PGliteSessionClient;

  constructor(
    private readonly pglite: PGlite,
    private readonly gate: SessionGate,
  ) {
    super();
    this.client = new PGliteSessionClient(pglite);
  }

  connect(callback: ConnectCallback): void {
    void this.gate.acquire().then(() => {
      let released = false;
      callback(null, this.client, () => {
        if (released) return;
        released = true;
        this.gate.release();
      });
    });
  }

  end(callback?: (error: Error | null) => void): void {
    // The PGlite instance belongs to the Database that created it; it closes it.
    callback?.(null);
  }
}

class PGliteSessionClient extends EventEmitter {
  constructor(private readonly pglite: PGlite) {
    super();
  }

  async query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number; command: string }> {
    if (params && params.length > 0) {
      const result = await this.pglite.query(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length, command: commandOf(sql) };
    }
    const results = await this.pglite.exec(sql);
    const last = results[results.length - 1];
    return {
      rows: last?.rows ?? [],
      rowCount: last?.affectedRows ?? last?.rows.length ?? 0,
      command: commandOf(sql),
    };
  }
}

function commandOf(sql: string): string {
  return (/^\s*(\w+)/.exec(sql)?.[1] ?? '').toUpperCase();
}
