import { CommandBus, QueryBus, type ICommand, type IQuery } from '@nestjs/cqrs';
import { GetCreditStatus } from '../../src/billing/read-models/account-balances/get-credit-status.query';
import { CaptureReservation } from '../../src/billing/settle-reservation/settle-reservation.commands';
import { startAllFakes, type AllFakes } from '../fakes';
import { openTestDatabase, startTestApp, type TestApp } from '../support/test-app';

/** Retries fast, and a breaker that never opens: each test sees its own faults only. */
const resilience = { baseDelayMs: 10, maxDelayMs: 50, attemptTimeoutMs: 5_000, breakerThreshold: 1_000 };

type Reply = Awaited<ReturnType<TestApp['request']>>;

const falJobs = (fakes: AllFakes) =>
  fakes.fal.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/fal-ai/flux/schnell')).length;
const openaiCalls = (fakes: AllFakes) => fakes.openai.requests.filter((r) => r.path === '/v1/images/generations');

describe('after the capture commits, the answer is the success', () => {
  let fakes: AllFakes;
  let t: TestApp;
  const captures: CaptureReservation[] = [];
  /** Users whose balance cannot be read the next so many times: a fault after the capture's commit. */
  const unreadable = new Map<string, number>();
  /** SQL that fails for now: faults in what the generate flow writes after the commit. */
  const failing: RegExp[] = [];

  beforeAll(async () => {
    fakes = await startAllFakes();
    t = await startTestApp({ env: { ...fakes.env }, providerResilience: resilience });
    const commandBus = t.app.get(CommandBus);
    const execute = commandBus.execute.bind(commandBus);
    (commandBus as unknown as { execute: (command: ICommand) => Promise<unknown> }).execute = (command) => {
      if (command instanceof CaptureReservation) captures.push(command);
      return execute(command);
    };
    const queryBus = t.app.get(QueryBus);
    const query = queryBus.execute.bind(queryBus);
    (queryBus as unknown as { execute: (asked: IQuery) => Promise<unknown> }).execute = (asked) => {
      const failures = asked instanceof GetCreditStatus ? (unreadable.get(asked.userId) ?? 0) : 0;
      if (failures > 0) {
        unreadable.set((asked as GetCreditStatus).userId, failures - 1);
        return Promise.reject(new Error('the balance could not be read'));
      }
      return query(asked);
    };
    const database = t.database as unknown as {
      query: (text: string, params?: readonly unknown[]) => Promise<unknown>;
    };
    const sql = database.query.bind(t.database);
    database.query = (text, params) =>
      failing.some((pattern) => pattern.test(text))
        ? Promise.reject(new Error('the statement failed'))
        : sql(text, params);
  });
  afterAll(async () => {
    await t.close();
    await fakes.close();
  });
  beforeEach(() => {
    fakes.reset();
    unreadable.clear();
    failing.length = 0;
  });

  const generate = (user: string, json: unknown, key?: string) =>
    t.request('/v1/generations', {
      method: 'POST',
      user,
      json,
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });
  const credits = async (user: string) => (await t.request('/v1/credits', { user })).body;
  const capturesOf = (user: string) => captures.filter((c) => c.reservation.userId === user);

  /** The client's first answer is the success, or an error whose retry with the key is that success. */
  async function successOf(first: Reply, retry: () => Promise<Reply>): Promise<Reply> {
    if (first.status === 201) return first;
    expect(first.status).toBe(500);
    expect(first.body.detail).toContain('charged');
    const again = await retry();
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.generationId);
    return again;
  }

  it('the balance cannot be read after the capture: a retry with the key answers the success, charged once', async () => {
    const user = 'committed-unreadable';
    const body = { prompt: 'a charged image whose answer broke' };
    unreadable.set(user, Infinity);
    const first = await generate(user, body, 'key-unreadable');
    unreadable.delete(user);
    const success = await successOf(first, () => generate(user, body, 'key-unreadable'));
    expect(success.body).toMatchObject({ status: 'succeeded', charge: 'free', provider: 'openai' });
    const replay = await generate(user, body, 'key-unreadable');
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(success.body);
    expect(openaiCalls(fakes)).toHaveLength(1);
    expect(fakes.openai.bill).toHaveLength(1);
    expect(capturesOf(user)).toHaveLength(1);
    expect(await credits(user)).toMatchObject({ freeRemainingToday: 2, reservedCredits: 0 });
  });

  it('after a fallback too: the retry finds the Standard image it charged for, and calls no provider', async () => {
    const user = 'committed-fallback';
    const body = { prompt: 'premium failed, standard served, the answer broke' };
    fakes.openai.failNext({ kind: 'status', status: 503 }, 10);
    unreadable.set(user, Infinity);
    const first = await generate(user, body, 'key-fallback');
    unreadable.delete(user);
    const success = await successOf(first, () => generate(user, body, 'key-fallback'));
    expect(success.body).toMatchObject({ provider: 'fal', tier: 'standard', requestedTier: 'premium' });
    const calls = openaiCalls(fakes).length;
    expect((await generate(user, body, 'key-fallback')).body.id).toBe(success.body.id);
    expect(openaiCalls(fakes)).toHaveLength(calls);
    expect(falJobs(fakes)).toBe(1);
    expect(fakes.fal.bill).toHaveLength(1);
    expect(capturesOf(user)).toHaveLength(1);
    expect(await credits(user)).toMatchObject({ freeRemainingToday: 2, reservedCredits: 0 });
  });

  it('storing the answer under the key fails: the client gets the success, and a retry returns it', async () => {
    const user = 'committed-unstored-answer';
    const body = { prompt: 'an answer the key could not keep' };
    failing.push(/SET state = 'done'/);
    const first = await generate(user, body, 'key-unstored');
    failing.length = 0;
    expect(first.status).toBe(201);
    const retry = await generate(user, body, 'key-unstored');
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(fakes.openai.bill).toHaveLength(1);
    expect(capturesOf(user)).toHaveLength(1);
    expect((await generate(user, body, 'key-unstored')).body).toEqual(retry.body);
  });

  it('ending the single flight fails: the client still gets the success', async () => {
    const user = 'committed-flight';
    failing.push(/DELETE FROM generation_inflight/);
    const first = await generate(user, { prompt: 'a flight that could not land' });
    failing.length = 0;
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'succeeded', charge: 'free' });
    expect(capturesOf(user)).toHaveLength(1);
  });

  it('without a key, a balance read that fails once is tried again: the client gets the success', async () => {
    const user = 'committed-once';
    unreadable.set(user, 1);
    const first = await generate(user, { prompt: 'a balance read that hiccups' });
    expect(first.status).toBe(201);
    expect(capturesOf(user)).toHaveLength(1);
  });
});

describe('single-flight during a Premium outage', () => {
  let fakes: AllFakes;
  let replicas: TestApp[];

  beforeAll(async () => {
    fakes = await startAllFakes();
    const database = await openTestDatabase();
    const env = { ...fakes.env };
    replicas = [
      await startTestApp({ env, database, providerResilience: resilience }),
      await startTestApp({ env, database, providerResilience: resilience }),
    ];
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await replicas[0]!.database.close();
    await fakes.close();
  });
  beforeEach(() => fakes.reset());

  async function crowd(tag: string, prompt: string, replicaOf: (i: number) => TestApp): Promise<Reply[]> {
    fakes.openai.failNext({ kind: 'status', status: 503 }, 1_000);
    return Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        replicaOf(i).request('/v1/generations', { method: 'POST', user: `${tag}-${i}`, json: { prompt } }),
      ),
    );
  }

  function servedOnce(results: readonly Reply[]): void {
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const generated = results.filter((r) => r.body.cached === false);
    expect(generated).toHaveLength(1);
    expect(generated[0]!.body).toMatchObject({ provider: 'fal', tier: 'standard', charge: 'free' });
    expect(results.filter((r) => r.body.cached === true && r.body.charge === 'none')).toHaveLength(19);
    expect(new Set(results.map((r) => r.body.image.url)).size).toBe(1);
    expect(falJobs(fakes)).toBe(1);
    expect(fakes.fal.bill).toHaveLength(1);
  }

  it('20 concurrent identical requests make one Standard call, are all answered, and are charged once', async () => {
    servedOnce(await crowd('outage', 'one standard call for twenty', () => replicas[0]!));
  });

  it('the same across two replicas: followers of the other process are served the leader’s image', async () => {
    servedOnce(await crowd('outage-replicas', 'one standard call across replicas', (i) => replicas[i % 2]!));
  });
});
