import type { Projection } from '../../src/event-store/projection';

export interface StreamCountOptions {
  readonly name?: string;
  readonly kind?: Projection['kind'];
  readonly table?: string;
  readonly eventTypes?: readonly string[];
}

/**
 * The smallest useful projection: events per stream and the newest position seen. The tests and
 * the event-store benchmark replay it; its rows depend only on the events, in any order.
 */
export function streamCountProjection(options: StreamCountOptions = {}): Projection {
  const table = options.table ?? 'stream_event_counts';
  return {
    name: options.name ?? table,
    kind: options.kind ?? 'async',
    eventTypes: options.eventTypes ?? ['Counted'],
    tables: [
      {
        name: table,
        keyColumns: ['stream_id'],
        createSql: (tableName) =>
          `CREATE TABLE ${tableName} (stream_id text PRIMARY KEY, events integer NOT NULL, last_global_position bigint NOT NULL)`,
      },
    ],
    async apply(tx, events, tables) {
      await tx.query(
        `INSERT INTO ${tables[table]} AS counts (stream_id, events, last_global_position)
         SELECT stream_id, count(*), max(global_position)
           FROM unnest($1::text[], $2::bigint[]) AS e(stream_id, global_position)
          GROUP BY stream_id
         ON CONFLICT (stream_id) DO UPDATE
           SET events = counts.events + excluded.events,
               last_global_position = greatest(counts.last_global_position, excluded.last_global_position)`,
        [events.map((event) => event.streamId), events.map((event) => event.globalPosition)],
      );
    },
  };
}
