import type { Pool } from 'pg';

/**
 * Fills `events` quickly in SQL, a few thousand rows per transaction so that transaction ids are
 * spread as a busy service would spread them (many events per transaction, as batch appends do).
 * Streams are account-like: 10,000 of them, each with consecutive positions.
 */
export async function seedEvents(pool: Pool, count: number, perTransaction = 5000): Promise<void> {
  for (let from = 0; from < count; from += perTransaction) {
    const to = Math.min(count, from + perTransaction) - 1;
    await pool.query(
      `INSERT INTO events (stream_id, stream_position, type, data, metadata, recorded_at)
       SELECT 'seeded-' || (i % 10000), i / 10000 + 1, 'Counted',
              jsonb_build_object('n', i, 'amountMicros', i % 80000, 'note', 'seeded for the replay benchmark'),
              jsonb_build_object('userId', 'user-' || (i % 1000), 'requestId', md5(i::text)),
              now()
         FROM generate_series($1::int, $2::int) AS i`,
      [from, to],
    );
  }
}
