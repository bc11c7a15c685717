import { StatementCounter, type StatementTally } from '../support/statement-counter';
import { openTestDatabase, startTestApp, type TestApp } from '../support/test-app';
import type { Database } from '../../src/database/database';

const PROMPT = 'a red kite over a grey sea, watercolour';

describe.each([
  ['PostgreSQL when the run has it', false],
  ['the embedded database', true],
])('transactions and statements per request on %s', (_name, embedded) => {
  let database: Database;
  let counter: StatementCounter;
  let app: TestApp;
  beforeAll(async () => {
    database = await openTestDatabase({ embedded, label: 'perrequest' });
    counter = new StatementCounter(database);
    app = await startTestApp({ database, beforeListen: (nest) => counter.attach(nest) });
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  const generate = (prompt: string) =>
    app.request('/v1/generations', { method: 'POST', user: 'counted', json: { prompt } });
  const report = (label: string, tally: StatementTally) =>
    console.log(`${label}: ${tally.transactions} transactions, ${tally.statements} statements\n  ${tally.texts.join('\n  ')}`);

  it('counts', async () => {
    for (let i = 0; i < 3; i += 1) {
      const miss = await counter.measure(() => generate(`${PROMPT} ${i}`));
      expect(miss.result.status).toBe(201);
      report('miss', miss.tally);
    }
    for (let i = 0; i < 3; i += 1) {
      const hit = await counter.measure(() => generate(`${PROMPT} 0`));
      expect(hit.result.status).toBe(201);
      report('hit', hit.tally);
    }
    for (let i = 0; i < 2; i += 1) {
      const credits = await counter.measure(() => app.request('/v1/credits', { user: 'counted' }));
      expect(credits.result.status).toBe(200);
      report('credits', credits.tally);
    }
  });
});
