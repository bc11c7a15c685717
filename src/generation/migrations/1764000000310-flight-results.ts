import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a single-flight leader says which cache key served its flight when it is not the key the
 * flight waited on (a Premium request that Standard served): its followers are served from there.
 * One row per flight key, overwritten by its next such flight.
 */
export class FlightResults1764000000310 implements MigrationInterface {
  name = 'FlightResults1764000000310';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE generation_flight_results (
        flight_key text PRIMARY KEY,
        served_key text NOT NULL,
        finished_at timestamptz NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE generation_flight_results');
  }
}
