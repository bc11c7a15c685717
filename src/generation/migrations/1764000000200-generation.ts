import type { MigrationInterface, QueryRunner } from 'typeorm';
import { generationsTable } from '../read-models/generations/generations.projection';
import { promptCacheTable } from '../read-models/prompt-cache/prompt-cache.table';

/**
 * Generation read models (the list and detail calls, the prompt cache) and the coordination rows
 * of the generate flow: single-flight per cache key, Idempotency-Key records, rate-limit windows.
 */
export class Generation1764000000200 implements MigrationInterface {
  name = 'Generation1764000000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(generationsTable.createSql(generationsTable.name));
    await runner.query('CREATE INDEX generations_by_user ON generations (user_id, created_at DESC, id DESC)');
    await runner.query(promptCacheTable.createSql(promptCacheTable.name));
    await runner.query(`
      CREATE TABLE generation_inflight (
        cache_key text PRIMARY KEY,
        owner text NOT NULL,
        started_at timestamptz NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE idempotency_keys (
        user_id text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL,
        status_code integer,
        response jsonb,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, key)
      )`);
    await runner.query('CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at)');
    await runner.query(`
      CREATE TABLE rate_limit_windows (
        subject text NOT NULL,
        window_start timestamptz NOT NULL,
        hits integer NOT NULL,
        PRIMARY KEY (subject, window_start)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of [
      'rate_limit_windows',
      'idempotency_keys',
      'generation_inflight',
      'prompt_cache',
      'generations',
    ]) {
      await runner.query(`DROP TABLE ${table}`);
    }
  }
}
