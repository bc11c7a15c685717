import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Database } from '../../../database/database';
import { GetUserEvents, type UserEvent } from './get-user-events.query';

interface EventRow {
  readonly global_position: string | number;
  readonly stream_id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly recorded_at: string | Date;
}

/** Served by the `events_user` index on the event table. */
@QueryHandler(GetUserEvents)
export class GetUserEventsHandler implements IQueryHandler<GetUserEvents, { events: UserEvent[] }> {
  constructor(private readonly database: Database) {}

  async execute({ userId }: GetUserEvents): Promise<{ events: UserEvent[] }> {
    const rows = await this.database.query<EventRow>(
      `SELECT global_position, stream_id, type, data, metadata, recorded_at FROM events
        WHERE metadata->>'userId' = $1 ORDER BY global_position`,
      [userId],
    );
    return {
      events: rows.map((row) => ({
        globalPosition: Number(row.global_position),
        streamId: row.stream_id,
        type: row.type,
        data: row.data,
        metadata: row.metadata,
        recordedAt: new Date(row.recorded_at).toISOString(),
      })),
    };
  }
}
