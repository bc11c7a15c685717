import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The append-only event table (DESIGN.md "Event store"). Append-only is enforced by the database:
 * a trigger rejects UPDATE and DELETE row by row and a statement trigger rejects TRUNCATE.
 */
export class CreateEventStore1764000000000 implements MigrationInterface {
  name = 'CreateEventStore1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE events (
        global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream_id text NOT NULL,
        stream_position integer NOT NULL CHECK (stream_position > 0),
        type text NOT NULL,
        schema_version integer NOT NULL DEFAULT 1,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        CONSTRAINT events_stream_position_unique UNIQUE (stream_id, stream_position)
      )`);
    await runner.query(`CREATE INDEX events_transaction_order ON events (transaction_id, global_position)`);
    await runner.query(`CREATE INDEX events_type_recorded ON events (type, recorded_at)`);
    await runner.query(`CREATE INDEX events_user ON events ((metadata->>'userId'), global_position)`);
    await runner.query(`
      CREATE FUNCTION events_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'events is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege', HINT = 'Append a compensating event instead.';
      END $$`);
    await runner.query(`
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
      FOR EACH ROW EXECUTE FUNCTION events_reject_change()`);
    await runner.query(`
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
      FOR EACH STATEMENT EXECUTE FUNCTION events_reject_change()`);
    await runner.query(`
      CREATE TABLE projection_checkpoints (
        name text PRIMARY KEY,
        last_transaction_id xid8 NOT NULL DEFAULT '0'::xid8,
        last_global_position bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Snapshots are a cache of decider state, never a source of truth: deleting them is safe.
    await runner.query(`
      CREATE TABLE stream_snapshots (
        stream_id text PRIMARY KEY,
        stream_version integer NOT NULL,
        codec_version integer NOT NULL,
        state jsonb NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE stream_snapshots');
    await runner.query('DROP TABLE projection_checkpoints');
    await runner.query('DROP TRIGGER events_no_truncate ON events');
    await runner.query('DROP TRIGGER events_append_only ON events');
    await runner.query('DROP TABLE events');
    await runner.query('DROP FUNCTION events_reject_change()');
  }
}
