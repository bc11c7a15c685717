/** A row as the driver returns it, before a query names its type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- driver rows are untyped until a query names T
export type SqlRow = Record<string, any>;

/** Anything that runs SQL: the database itself, or one open transaction. */
export interface Sql {
  query<T = SqlRow>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Inside a transaction: runs `callback` once it has committed (never on rollback); each callback
   * at most once per transaction. Absent on the database itself, where every statement commits alone.
   */
  afterCommit?(callback: () => void): void;
}

export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

/** The PostgreSQL SQLSTATE of an error thrown by a query (TypeORM wraps the driver's error). */
export function sqlState(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' ? code : undefined;
}
