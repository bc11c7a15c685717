import { AsyncLocalStorage } from 'node:async_hooks';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { Database, Sql } from '../../src/database/database';

/** What one request made its database do, counted where the service hands SQL to the driver. */
export interface StatementTally {
  /** Transactions: each `transaction()` is one, and so is each statement run outside one. */
  transactions: number;
  /** Statements the service sent (BEGIN and COMMIT not included). */
  statements: number;
  /** The statements' first words, to say what a count is made of when it changes. */
  readonly texts: string[];
}

/**
 * The process's debounced cross-replica wake-up (at most one NOTIFY per 100 ms however many appends
 * were made) belongs to no single request, so it is left out of every request's count.
 */
const UNCOUNTED = /pg_notify\(/;

/**
 * Counts the transactions and statements each HTTP request causes, in this process, by wrapping the
 * `Database` the app was given. A request's work is followed through its async context from the
 * moment Fastify hands it to its route (after the body is read), so the async projection runners
 * and jobs, which run in their own contexts, are never counted against it. Measure one request at
 * a time: appends and rate-limit counts that share a group with another request's are counted
 * against whichever request started the group.
 */
export class StatementCounter {
  private readonly scope = new AsyncLocalStorage<StatementTally | undefined>();
  private measuring: StatementTally | undefined;

  constructor(database: Database) {
    const query = database.query.bind(database);
    const transaction = database.transaction.bind(database);
    database.query = ((text: string, params?: readonly unknown[]) => {
      const tally = this.current();
      if (tally && !UNCOUNTED.test(text)) {
        tally.transactions += 1;
        tally.statements += 1;
        tally.texts.push(firstWords(text));
      }
      return query(text, params);
    }) as Database['query'];
    database.transaction = ((
      work: (tx: Sql) => Promise<unknown>,
      isolation?: Parameters<Database['transaction']>[1],
    ) => {
      const tally = this.current();
      if (!tally) return transaction(work, isolation);
      tally.transactions += 1;
      tally.texts.push('BEGIN');
      return transaction(
        (tx) =>
          work({
            ...tx,
            query: (text, params) => {
              tally.statements += 1;
              tally.texts.push(`  ${firstWords(text)}`);
              return tx.query(text, params);
            },
          }),
        isolation,
      );
    }) as Database['transaction'];
  }

  /** Must be called before the app listens: Fastify takes no hooks once it is ready. */
  attach(app: NestFastifyApplication): void {
    const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
    // A synchronous hook: the context it enters carries on into the route handler.
    fastify.addHook('preHandler', (_request, _reply, done) => {
      this.scope.enterWith(this.measuring);
      done();
    });
  }

  /** Runs `send` (one HTTP request) and answers with what that request made the database do. */
  async measure<T>(send: () => Promise<T>): Promise<{ result: T; tally: StatementTally }> {
    if (this.measuring) throw new Error('measure one request at a time');
    const tally: StatementTally = { transactions: 0, statements: 0, texts: [] };
    this.measuring = tally;
    try {
      const result = await send();
      return { result, tally: { ...tally, texts: [...tally.texts] } };
    } finally {
      this.measuring = undefined;
    }
  }

  private current(): StatementTally | undefined {
    const tally = this.scope.getStore();
    return tally !== undefined && tally === this.measuring ? tally : undefined;
  }
}

function firstWords(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 90);
}
