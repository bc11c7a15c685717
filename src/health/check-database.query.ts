import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Database, type DatabaseKind } from '../database/database';

const ANSWER_WITHIN_MS = 2000;

export interface DatabaseHealth {
  readonly kind: DatabaseKind;
  /** Undefined when the database answered; otherwise what went wrong. */
  readonly unreachable?: string;
  /** Undefined when it could not be asked. */
  readonly pendingMigrations?: boolean;
  readonly migrationsUnknown?: string;
}

/** Whether the database answers (within 2 s) and has every migration applied. */
export class CheckDatabase extends Query<DatabaseHealth> {}

@QueryHandler(CheckDatabase)
export class CheckDatabaseHandler implements IQueryHandler<CheckDatabase, DatabaseHealth> {
  constructor(private readonly database: Database) {}

  async execute(): Promise<DatabaseHealth> {
    const kind = this.database.kind;
    try {
      await withTimeout(this.database.ping(), ANSWER_WITHIN_MS);
    } catch (error) {
      return { kind, unreachable: (error as Error).message };
    }
    try {
      return { kind, pendingMigrations: await withTimeout(this.database.hasPendingMigrations(), ANSWER_WITHIN_MS) };
    } catch (error) {
      return { kind, migrationsUnknown: (error as Error).message };
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);
}
