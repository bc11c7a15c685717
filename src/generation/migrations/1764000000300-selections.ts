import type { MigrationInterface, QueryRunner } from 'typeorm';
import { selectionsTable } from '../read-models/selections/selections.projection';

/** The seed's `selections`: the print assets produced for a generation, one row per print size. */
export class Selections1764000000300 implements MigrationInterface {
  name = 'Selections1764000000300';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(selectionsTable.createSql(selectionsTable.name));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE selections');
  }
}
