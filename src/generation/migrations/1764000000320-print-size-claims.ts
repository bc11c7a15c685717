import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The print sizes each generation has taken (PRINT_SIZES_PER_GENERATION bounds them): a size is
 * claimed before it is rendered, so its files are the only ones written for it. Filled with the
 * sizes already selected; a generation that has more than the bound keeps them and takes no more.
 */
export class PrintSizeClaims1764000000320 implements MigrationInterface {
  name = 'PrintSizeClaims1764000000320';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE print_size_claims (
        generation_id text NOT NULL,
        width_px integer NOT NULL,
        height_px integer NOT NULL,
        width_inches numeric NOT NULL,
        height_inches numeric NOT NULL,
        claimed_at timestamptz NOT NULL,
        PRIMARY KEY (generation_id, width_px, height_px)
      )`);
    await runner.query(`
      INSERT INTO print_size_claims (generation_id, width_px, height_px, width_inches, height_inches, claimed_at)
      SELECT generation_id, width_px, height_px, width_inches, height_inches, selected_at FROM selections`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE print_size_claims');
  }
}
