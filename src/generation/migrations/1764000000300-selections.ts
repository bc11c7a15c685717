import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The seed's `selections`: the print assets produced for a generation, one row per print size. */
export class Selections1764000000300 implements MigrationInterface {
  name = 'Selections1764000000300';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE selections (
        generation_id text NOT NULL,
        width_px integer NOT NULL,
        height_px integer NOT NULL,
        user_id text NOT NULL,
        width_inches numeric NOT NULL,
        height_inches numeric NOT NULL,
        dpi integer NOT NULL,
        print_image jsonb NOT NULL,
        pdf jsonb NOT NULL,
        selected_at timestamptz NOT NULL,
        PRIMARY KEY (generation_id, width_px, height_px)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE selections');
  }
}
