import { Logger } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Database, type DatabaseKind } from '../database/database';

const ANSWER_WITHIN_MS = 2000;

export interface DatabaseHealth {
  readonly kind: DatabaseKind;
  /**
   * Undefined when the database answered; otherwise which way it failed, in this service's words:
   * the driver's message (addresses, user names) goes to the log only.
   */
  readonly unreachable?: string;
  /** Undefined when it could not be asked. */
  readonly pendingMigrations?: boolean;
  readonly migrationsUnknown?: string;
}

/** Whether the database answers (within 2 s) and has every migration applied. */
export class CheckDatabase extends Query<DatabaseHealth> {}

@QueryHandler(CheckDatabase)
export class CheckDatabaseHandler implements IQueryHandler<CheckDatabase, DatabaseHealth> {
  private readonly logger = new Logger('health');

  constructor(private readonly database: Database) {}

  async execute(): Promise<DatabaseHealth> {
    const kind = this.database.kind;
    try {
      await withTimeout(this.database.ping(), ANSWER_WITHIN_MS);
    } catch (error) {
      return { kind, unreachable: this.failure('database', error) };
    }
    try {
      return { kind, pendingMigrations: await withTimeout(this.database.hasPendingMigrations(), ANSWER_WITHIN_MS) };
    } catch (error) {
      return { kind, migrationsUnknown: this.failure('migrations', error) };
    }
  }

  private failure(check: string, error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn({ check, message }, 'readiness check failed');
    return error instanceof TimeoutError ? `no answer within ${ANSWER_WITHIN_MS} ms` : 'the query failed';
  }
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms).unref()),
  ]);
}
