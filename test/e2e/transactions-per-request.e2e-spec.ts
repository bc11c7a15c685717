import { StatementCounter, type StatementTally } from '../support/statement-counter';
import { openTestDatabase, startTestApp, type TestApp } from '../support/test-app';
import type { Database } from '../../src/database/database';
import { BudgetViews } from '../../src/billing/read-models/budget-months/budget-views';

/**
 * Database work per request, one request at a time, counted in the service (counts, not times): a
 * regression that adds a transaction or a statement fails here. Issue 16 asks for a miss in at
 * most 3 transactions and a hit in at most 1.
 */
const CEILINGS = {
  /** Served from the prompt cache in one statement riding the group commit. */
  hit: { transactions: 1, statements: 1 },
  /** The balance and the month's budget row in one statement. */
  credits: { transactions: 1, statements: 1 },
  /**
   * A cache miss on the local provider, with the month's budget view expired (its worst case): the
   * admission (rate limit, the month's tier, the prompt cache and the single-flight row in one
   * statement), then the reservation with the cache looked at again and GenerationRequested, then
   * the success with the capture, the prompt-cache row, the single flight's end and the balance the
   * answer shows (was 11 transactions and 21 statements, then 6 and 19, then 3 and 16). Each
   * account command takes its stream's lock and reads the stream in one statement, and the
   * success decides on the generation's stream as the reservation left it, without reading it.
   */
  miss: { transactions: 3, statements: 13 },
} as const;

const PROMPT = 'a red kite over a grey sea, watercolour';

/** The counts above their ceiling, with the statements that made them, so a failure says what changed. */
function overCeiling(tally: StatementTally, ceiling: { transactions: number; statements: number }): string[] {
  const over = (['transactions', 'statements'] as const).filter((kind) => tally[kind] > ceiling[kind]);
  return over.map((kind) => `${tally[kind]} ${kind} > ${ceiling[kind]}:\n  ${tally.texts.join('\n  ')}`);
}

describe.each([
  ['PostgreSQL when the run has it', false],
  ['the embedded database', true],
])('transactions and statements per request on %s', (_name, embedded) => {
  let database: Database;
  let counter: StatementCounter;
  let app: TestApp;
  let budgetViews: BudgetViews;
  const generate = (prompt: string) =>
    app.request('/v1/generations', { method: 'POST', user: 'counted', json: { prompt } });

  beforeAll(async () => {
    database = await openTestDatabase({ embedded, label: 'perrequest' });
    counter = new StatementCounter(database);
    app = await startTestApp({ database, beforeListen: (nest) => counter.attach(nest) });
    budgetViews = app.app.get(BudgetViews, { strict: false });
    // The user's first request opens their account, and the first hit in a process reads the cache
    // entry from the database before remembering it: neither is the steady state measured here.
    expect((await generate(PROMPT)).status).toBe(201);
    expect((await generate(PROMPT)).body.cached).toBe(true);
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });
  // Reading the month's budget view is cached for a second: expired, every count is its worst case.
  beforeEach(() => budgetViews.changed());

  it('serves a cache hit in one transaction of one statement', async () => {
    const { result, tally } = await counter.measure(() => generate(PROMPT));
    expect(result.status).toBe(201);
    expect(result.body.cached).toBe(true);
    expect(overCeiling(tally, CEILINGS.hit)).toEqual([]);
    expect(tally.transactions).toBeGreaterThan(0);
  });

  it('answers GET /v1/credits in one transaction of one statement', async () => {
    const { result, tally } = await counter.measure(() => app.request('/v1/credits', { user: 'counted' }));
    expect(result.status).toBe(200);
    expect(overCeiling(tally, CEILINGS.credits)).toEqual([]);
    expect(tally.transactions).toBeGreaterThan(0);
  });

  it('generates a cache miss within its ceiling of transactions and statements', async () => {
    const { result, tally } = await counter.measure(() => generate(`${PROMPT}, at night`));
    expect(result.status).toBe(201);
    expect(result.body.cached).toBe(false);
    expect(overCeiling(tally, CEILINGS.miss)).toEqual([]);
    // The reservation's transaction looks at the cache before it takes the month's budget row (the
    // reservation's projection statement), so concurrent misses wait on that row for less.
    const reservation = tally.texts.slice(tally.texts.indexOf('BEGIN'));
    const cacheLook = reservation.findIndex((text) => text.trim().startsWith('SELECT * FROM prompt_cache'));
    const budgetRow = reservation.findIndex((text) => text.trim().startsWith('WITH opened AS'));
    expect([cacheLook >= 0, budgetRow >= 0, cacheLook < budgetRow]).toEqual([true, true, true]);
  });
});
