import type { Sql } from '../database/database';
import type { RecordedEvent } from './event-types';
import type { EventStore, InlineProjection } from './event-store';

/** One table a projection fills. Its rows must be a deterministic function of the events (no now()). */
export interface ProjectionTable {
  /** The live table's name, also the logical name `apply` looks tables up by. */
  readonly name: string;
  /**
   * One `CREATE TABLE <tableName> (...)` statement with its keys inline. The name handed in may be
   * the live table, a rebuild table or a schema-qualified scratch table (`pg_temp.x`), so the
   * statement must not name indexes or other objects after it.
   */
  createSql(tableName: string): string;
  /** Columns that identify a row; differences are reported in this order. */
  readonly keyColumns: readonly string[];
}

/** Logical table name -> the physical table that `apply` must write. */
export type TableNames = Readonly<Record<string, string>>;

/**
 * A read model built from events (DESIGN.md "Projections"). The same `apply` fills the live
 * tables, the blue/green rebuild tables and the verify scratch tables, because it only ever writes
 * through the physical names it is given.
 *
 * Events arrive in commit-safe order (transaction id, global position), in batches.
 */
export interface Projection {
  readonly name: string;
  /** inline: in the append's own transaction; async: by the elected runner, after commit. */
  readonly kind: 'inline' | 'async';
  readonly eventTypes: readonly string[];
  readonly tables: readonly ProjectionTable[];
  /** May answer with what it wrote, for the command whose append it runs in (AppendResult.projected). */
  apply(tx: Sql, events: readonly RecordedEvent[], tables: TableNames): Promise<unknown>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** PostgreSQL truncates identifiers at 63 bytes; the longest suffix added is `__rebuild`. */
const MAX_TABLE_NAME = 63 - '__rebuild'.length;

/** Rejects names that could not be used as bare SQL identifiers with every suffix we add. */
export function assertValidProjection(projection: Projection): void {
  if (projection.name.trim() === '') throw new Error('A projection needs a name');
  if (projection.eventTypes.length === 0) throw new Error(`Projection ${projection.name} handles no event type`);
  for (const table of projection.tables) {
    if (!IDENTIFIER.test(table.name) || table.name.length > MAX_TABLE_NAME) {
      throw new Error(
        `Projection ${projection.name}: table name ${JSON.stringify(table.name)} must be lower-case letters, digits and _ (at most ${MAX_TABLE_NAME} characters)`,
      );
    }
    if (table.keyColumns.length === 0)
      throw new Error(`Projection ${projection.name}: table ${table.name} needs key columns`);
  }
}

export function liveTables(projection: Projection): TableNames {
  return Object.fromEntries(projection.tables.map((table) => [table.name, table.name]));
}

export function rebuildTables(projection: Projection): TableNames {
  return Object.fromEntries(projection.tables.map((table) => [table.name, `${table.name}__rebuild`]));
}

/** Temporary tables: invisible to other sessions and gone when the verifying transaction ends. */
export function scratchTables(projection: Projection): TableNames {
  return Object.fromEntries(projection.tables.map((table) => [table.name, `pg_temp.${table.name}__verify`]));
}

/** The adapter the EventStore calls in the append's transaction, writing the live tables. */
function asInlineProjection(projection: Projection): InlineProjection {
  const tables = liveTables(projection);
  return {
    name: projection.name,
    eventTypes: projection.eventTypes,
    apply: (tx, events) => projection.apply(tx, events, tables),
  };
}

/**
 * Registers an inline projection with the store unless the registry (or an earlier call) already
 * did: services built without Nest (tests, the CLI) still keep their read models in step.
 */
export function registerInlineOnce(
  store: Pick<EventStore, 'inlineProjections' | 'registerInline'>,
  projection: Projection,
): void {
  if (!store.inlineProjections().some((inline) => inline.name === projection.name))
    store.registerInline(asInlineProjection(projection));
}

/** Creates the live tables that do not exist yet (a new projection, or one dropped to change shape). */
export async function ensureLiveTables(sql: Sql, projection: Projection): Promise<void> {
  for (const table of projection.tables) {
    const [row] = await sql.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [table.name]);
    if (!row.exists) await sql.query(table.createSql(table.name));
  }
}
