import type { Sql } from '../database/database';
import type { Projection, ProjectionTable, TableNames } from './projection';

/** A row found on one side of a verify only. */
export interface RowDifference {
  readonly table: string;
  readonly side: 'live-only' | 'rebuilt-only';
  readonly row: Readonly<Record<string, unknown>>;
}

/** The live table's columns in order, without generated ones (they cannot be inserted). */
async function columnsOf(sql: Sql, table: string): Promise<string[]> {
  const rows = await sql.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
      ORDER BY attnum`,
    [table],
  );
  return rows.map((row) => quote(row.name));
}

export async function createTables(sql: Sql, projection: Projection, names: TableNames): Promise<void> {
  for (const table of projection.tables) await sql.query(table.createSql(names[table.name]));
}

export async function dropTables(sql: Sql, names: TableNames): Promise<void> {
  for (const physical of Object.values(names)) await sql.query(`DROP TABLE IF EXISTS ${physical}`);
}

/**
 * Replaces the live rows with the rebuilt ones in place. Rows are moved, not tables renamed: the
 * live table keeps its OID, so statements of other sessions that already resolved it keep writing
 * into the table that stays, never into one being dropped.
 */
export async function replaceLiveRows(sql: Sql, projection: Projection, from: TableNames): Promise<void> {
  for (const table of projection.tables) {
    const columns = (await columnsOf(sql, table.name)).join(', ');
    await sql.query(`DELETE FROM ${table.name}`);
    await sql.query(`INSERT INTO ${table.name} (${columns}) SELECT ${columns} FROM ${from[table.name]}`);
  }
}

/**
 * Rows that are in one table and not the other, with duplicates counted (EXCEPT ALL), the first
 * `limit` of each side in key order, and how many there are in all.
 */
export async function diffTable(
  sql: Sql,
  table: ProjectionTable,
  rebuilt: string,
  limit: number,
): Promise<{ total: number; differences: RowDifference[] }> {
  const columns = (await columnsOf(sql, table.name)).join(', ');
  const keys = table.keyColumns.map(quote).join(', ');
  const liveOnly = `SELECT ${columns} FROM ${table.name} EXCEPT ALL SELECT ${columns} FROM ${rebuilt}`;
  const rebuiltOnly = `SELECT ${columns} FROM ${rebuilt} EXCEPT ALL SELECT ${columns} FROM ${table.name}`;
  const [counts] = await sql.query<{ live_only: number; rebuilt_only: number }>(
    `SELECT (SELECT count(*) FROM (${liveOnly}) d)::int AS live_only, (SELECT count(*) FROM (${rebuiltOnly}) d)::int AS rebuilt_only`,
  );
  const total = Number(counts.live_only) + Number(counts.rebuilt_only);
  if (total === 0) return { total, differences: [] };
  const sides = [
    { side: 'live-only' as const, query: liveOnly },
    { side: 'rebuilt-only' as const, query: rebuiltOnly },
  ];
  const differences: RowDifference[] = [];
  for (const { side, query } of sides) {
    const rows = await sql.query(`SELECT * FROM (${query}) d ORDER BY ${keys} LIMIT $1`, [limit]);
    for (const row of rows) differences.push({ table: table.name, side, row });
  }
  return { total, differences };
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
