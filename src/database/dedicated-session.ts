import type { Client } from 'pg';

export interface DedicatedSession {
  tryAdvisoryLock(key: string): Promise<boolean>;
  unlock(key: string): Promise<void>;
  /** Resolves when the session breaks (its locks are gone). */
  readonly lost: Promise<void>;
  close(): Promise<void>;
}

export class PostgresSession implements DedicatedSession {
  readonly lost: Promise<void>;

  constructor(private readonly client: Client) {
    this.lost = new Promise((resolve) => {
      client.on('error', () => resolve());
      client.on('end', () => resolve());
    });
  }

  async tryAdvisoryLock(key: string): Promise<boolean> {
    const { rows } = await this.client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock(hashtextextended($1, 0)) as locked',
      [key],
    );
    return rows[0]?.locked === true;
  }

  async unlock(key: string): Promise<void> {
    await this.client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [key]);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

export class EmbeddedSession implements DedicatedSession {
  readonly lost = new Promise<void>(() => undefined);
  async tryAdvisoryLock(): Promise<boolean> {
    return true;
  }
  async unlock(): Promise<void> {}
  async close(): Promise<void> {}
}
