import type { Database } from '../../src/database/database';
import type { RecordedEvent } from '../../src/event-store/event-types';
import type { Projection, TableNames } from '../../src/event-store/projection';

let position = 0;

/** An event as the store hands it to projections; positions increase with every call. */
export function recorded(type: string, streamId: string, at: string, data: object): RecordedEvent {
  position += 1;
  return {
    globalPosition: position,
    transactionId: String(position),
    streamId,
    streamPosition: 1,
    type,
    schemaVersion: 1,
    data,
    metadata: {},
    recordedAt: new Date(at),
  };
}

/**
 * Given events, then rows: applies the events in transactions of `batchSize` to fresh tables
 * named with `suffix`, and returns every table's rows (by logical name, ordered by its key) and
 * what each batch's apply answered.
 */
export async function projectInto(
  database: Database,
  projection: Projection,
  events: readonly RecordedEvent[],
  options: { batchSize?: number; suffix: string },
): Promise<{ rows: Record<string, unknown[]>; answers: unknown[] }> {
  const names: TableNames = Object.fromEntries(
    projection.tables.map((table) => [table.name, `${table.name}_${options.suffix}`]),
  );
  for (const table of projection.tables) await database.query(table.createSql(names[table.name]));
  const size = options.batchSize ?? events.length;
  const answers: unknown[] = [];
  for (let start = 0; start < events.length; start += size) {
    const batch = events.slice(start, start + size).filter((event) => projection.eventTypes.includes(event.type));
    if (batch.length > 0) answers.push(await database.transaction((tx) => projection.apply(tx, batch, names)));
  }
  const rows: Record<string, unknown[]> = {};
  for (const table of projection.tables)
    rows[table.name] = await database.query(
      `SELECT * FROM ${names[table.name]} ORDER BY ${table.keyColumns.join(', ')}`,
    );
  return { rows, answers };
}
