import { FakeClock } from '../../common/clock';
import type { Database } from '../../database/database';
import { openTestDatabase } from '../../../test/support/test-app';
import { SingleFlight } from './single-flight';

const STALE_AFTER_MS = 60_000;
const FAR = Date.now() + 60_000;

describe.each([
  ['PostgreSQL when available', false],
  ['the embedded database', true],
])('single flight on %s', (_label, embedded) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase({ label: 'single_flight', embedded });
    await database.migrate();
  });
  afterAll(async () => database.close());

  const results = async () =>
    (await database.query<{ flight_key: string }>('SELECT flight_key FROM generation_flight_results ORDER BY 1')).map(
      (row) => row.flight_key,
    );

  it('a follower after a fallback is told the key that served; results no follower can wait for are pruned', async () => {
    const clock = new FakeClock('2026-11-20T10:00:00Z');
    const flights = new SingleFlight(database, clock, 'replica-a', STALE_AFTER_MS, 10);
    const leader = await flights.join('premium-key', async () => false, FAR);
    expect(leader.role).toBe('leader');
    const follower = flights.join('premium-key', async (served) => served === 'standard-key', FAR);
    await (leader as { finish(servedKey?: string): Promise<void> }).finish('standard-key');
    await expect(follower).resolves.toEqual({ role: 'follower', servedKey: 'standard-key' });
    expect(await results()).toEqual(['premium-key']);

    // Past the longest a follower waits (and the clock slack), the next fallback's write prunes it.
    clock.advance(STALE_AFTER_MS + 10_001);
    const next = await flights.join('other-key', async () => false, FAR);
    await (next as { finish(servedKey?: string): Promise<void> }).finish('other-standard-key');
    expect(await results()).toEqual(['other-key']);
  });
});
