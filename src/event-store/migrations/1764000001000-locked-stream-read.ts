import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A locked stream's read in one round trip: the stream's advisory lock, then its newest snapshot
 * of a codec version and the events after it. The two are separate statements of one function
 * because a statement reads as of the moment it starts: a read that took the lock in the same
 * statement could miss an append committed while it waited. A VOLATILE function takes a new
 * snapshot for each statement it runs, so the read starts once the lock is held. PL/pgSQL keeps
 * the read's plan for the session; a SQL-language function would plan it again on every call.
 */
export class LockedStreamRead1764000001000 implements MigrationInterface {
  name = 'LockedStreamRead1764000001000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE FUNCTION locked_stream_after_snapshot(stream text, codec integer)
      RETURNS TABLE (
        snapshot_version integer, snapshot_state jsonb, global_position bigint, transaction_id text,
        stream_id text, stream_position integer, type text, schema_version integer, data jsonb,
        metadata jsonb, recorded_at_ms bigint)
      LANGUAGE plpgsql VOLATILE AS $$
        #variable_conflict use_column
        BEGIN
          PERFORM pg_advisory_xact_lock(hashtextextended(stream, 1));
          RETURN QUERY
          SELECT s.stream_version,
                 CASE WHEN row_number() OVER (ORDER BY e.stream_position) = 1 THEN s.state END,
                 e.global_position, e.transaction_id::text, e.stream_id, e.stream_position, e.type,
                 e.schema_version, e.data, e.metadata, floor(extract(epoch FROM e.recorded_at) * 1000)::bigint
            FROM (SELECT 1) AS one
            LEFT JOIN stream_snapshots s ON s.stream_id = stream AND s.codec_version = codec
            LEFT JOIN LATERAL (
              SELECT * FROM events
               WHERE events.stream_id = stream AND events.stream_position > coalesce(s.stream_version, 0)
               ORDER BY events.stream_position) e ON true
           ORDER BY e.stream_position;
        END
      $$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP FUNCTION locked_stream_after_snapshot(text, integer)');
  }
}
