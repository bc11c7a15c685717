import { CommandBus, type ICommand } from '@nestjs/cqrs';
import {
  CaptureReservation,
  ReleaseReservation,
} from '../../src/billing/settle-reservation/settle-reservation.commands';
import type { ProviderCallRecord } from '../../src/generation/domain/generation-events';
import { startAllFakes, type AllFakes } from '../fakes';
import { startTestApp, type TestApp } from '../support/test-app';

/** DALL·E 3 at 1024x1024 standard quality, and fal's FLUX schnell at 1024x1024. */
const DALL_E_PRICE = 40_000;
const FAL_PRICE = 3_000;

/** Retries fast, and a breaker that never opens: each test sees its own faults only. */
const resilience = { baseDelayMs: 10, maxDelayMs: 50, attemptTimeoutMs: 5_000, breakerThreshold: 1_000 };

type Event = { type: string; data: any };

/**
 * What a generation's provider calls cost, as the generation hands it to billing: every attempt is
 * recorded on the generation's stream; a success captures everything billed (attempts before the
 * one that served included) with the unknown ones at their price and the tier that served; a
 * failure releases with what was spent anyway. The fakes' own bill is the reference.
 */
describe('provider spend of a generation, against the fakes’ bill', () => {
  let fakes: AllFakes;
  let t: TestApp;
  const settled: ICommand[] = [];

  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    const app = await startTestApp({ env: { ...fakes.env, ...env }, providerResilience: resilience });
    const bus = app.app.get(CommandBus);
    const execute = bus.execute.bind(bus);
    (bus as unknown as { execute: (command: ICommand) => Promise<unknown> }).execute = (command) => {
      if (command instanceof CaptureReservation || command instanceof ReleaseReservation) settled.push(command);
      return execute(command);
    };
    return app;
  }

  beforeAll(async () => {
    fakes = await startAllFakes();
    t = await start();
  });
  afterAll(async () => {
    await t.close();
    await fakes.close();
  });
  beforeEach(() => {
    fakes.reset();
    settled.length = 0;
  });

  const generate = (app: TestApp, user: string, json: unknown) =>
    app.request('/v1/generations', { method: 'POST', user, json });
  const eventsOf = async (app: TestApp, user: string) =>
    (await app.request(`/v1/admin/users/${user}/events`)).body.events as Event[];
  const calls = async (app: TestApp, user: string, type: string) =>
    ((await eventsOf(app, user)).find((e) => e.type === type)?.data.attempts ?? []) as ProviderCallRecord[];
  const capturesOf = (user: string) =>
    settled.filter((c): c is CaptureReservation => c instanceof CaptureReservation && c.reservation.userId === user);
  const releasesOf = (user: string) =>
    settled.filter((c): c is ReleaseReservation => c instanceof ReleaseReservation && c.reservation.userId === user);
  const billedIds = (attempts: readonly ProviderCallRecord[]) =>
    attempts.filter((a) => a.outcome === 'billed').map((a) => a.requestId);
  const billIds = (fake: { bill: ReadonlyArray<{ requestId: string }> }) => fake.bill.map((entry) => entry.requestId);

  it('records a plain call, and captures its cost with the tier that served', async () => {
    const user = 'spend-plain';
    const response = await generate(t, user, { prompt: 'a quiet harbour at noon' });
    expect(response.status).toBe(201);
    const attempts = await calls(t, user, 'GenerationSucceeded');
    expect(attempts).toEqual([
      {
        provider: 'openai',
        model: 'dall-e-3',
        tier: 'premium',
        attempt: 1,
        priceMicros: DALL_E_PRICE,
        outcome: 'billed',
        costMicros: DALL_E_PRICE,
        requestId: billIds(fakes.openai)[0],
      },
    ]);
    const [capture] = capturesOf(user);
    expect(capturesOf(user)).toHaveLength(1);
    expect(capture).toMatchObject({ costMicros: DALL_E_PRICE, options: { unknownMicros: 0, servedTier: 'premium' } });
  });

  it('an answer OpenAI billed but broke, then the retry: both billed, both captured', async () => {
    const user = 'spend-malformed';
    fakes.openai.failNext({ kind: 'malformed' });
    expect((await generate(t, user, { prompt: 'a broken answer then a good one' })).status).toBe(201);
    const attempts = await calls(t, user, 'GenerationSucceeded');
    expect(attempts.map((a) => a.outcome)).toEqual(['billed', 'billed']);
    expect(billedIds(attempts)).toEqual(billIds(fakes.openai));
    expect(capturesOf(user)[0]).toMatchObject({
      costMicros: fakes.openai.bill.length * DALL_E_PRICE,
      options: { unknownMicros: 0 },
    });
  });

  it('OpenAI did the work and dropped the connection: unknown at its price, so the bill is covered', async () => {
    const user = 'spend-dropped';
    fakes.openai.failNext({ kind: 'work-then-drop' });
    expect((await generate(t, user, { prompt: 'a dropped connection at dusk' })).status).toBe(201);
    const attempts = await calls(t, user, 'GenerationSucceeded');
    expect(attempts.map((a) => a.outcome)).toEqual(['unknown', 'billed']);
    expect(fakes.openai.bill).toHaveLength(2);
    const [capture] = capturesOf(user);
    expect(capture).toMatchObject({ costMicros: DALL_E_PRICE, options: { unknownMicros: DALL_E_PRICE } });
    expect(capture!.costMicros + capture!.options.unknownMicros!).toBe(fakes.openai.bill.length * DALL_E_PRICE);
  });

  it('a fallback records Premium’s calls, captures fal’s cost and the Standard tier', async () => {
    const user = 'spend-fallback';
    fakes.openai.failNext({ kind: 'status', status: 503 }, 10);
    const response = await generate(t, user, { prompt: 'premium is down this morning' });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ provider: 'fal', tier: 'standard', requestedTier: 'premium' });
    const attempts = await calls(t, user, 'GenerationSucceeded');
    const premium = attempts.filter((a) => a.tier === 'premium');
    expect(premium.length).toBeGreaterThan(0);
    expect(premium.every((a) => a.provider === 'openai' && a.outcome === 'unknown')).toBe(true);
    expect(attempts.at(-1)).toMatchObject({ provider: 'fal', tier: 'standard', outcome: 'billed' });
    expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
    expect(billedIds(attempts)).toEqual(billIds(fakes.fal));
    expect(capturesOf(user)[0]).toMatchObject({
      costMicros: FAL_PRICE,
      options: { unknownMicros: premium.length * DALL_E_PRICE, servedTier: 'standard' },
    });
  });

  it('no provider served: the calls are recorded with the failure and released as spent', async () => {
    const user = 'spend-failed';
    fakes.openai.failNext({ kind: 'status', status: 500 }, 10);
    fakes.fal.failNext({ kind: 'status', status: 500 }, 10);
    const response = await generate(t, user, { prompt: 'nobody can draw this today' });
    expect(response.status).toBe(502);
    const attempts = await calls(t, user, 'GenerationFailed');
    expect(attempts.length).toBeGreaterThan(1);
    expect(new Set(attempts.map((a) => a.provider))).toEqual(new Set(['openai', 'fal']));
    const unknownMicros = attempts.filter((a) => a.outcome === 'unknown').reduce((sum, a) => sum + a.priceMicros, 0);
    expect(unknownMicros).toBeGreaterThan(0);
    expect(capturesOf(user)).toEqual([]);
    expect(releasesOf(user).map((r) => r.spent)).toEqual([{ billedMicros: 0, unknownMicros }]);
  });

  it('media storage fails after OpenAI billed the image: the user pays nothing, the bill is released as spent', async () => {
    const user = 'spend-unstored';
    fakes.cloudinary.failNext({ kind: 'status', status: 500 }, 5);
    const before = (await t.request('/v1/credits', { user })).body;
    const response = await generate(t, user, { prompt: 'an image nobody will see' });
    expect(response.status).toBe(502);
    expect(fakes.openai.bill).toHaveLength(1);
    const attempts = await calls(t, user, 'GenerationFailed');
    expect(billedIds(attempts)).toEqual(billIds(fakes.openai));
    expect(releasesOf(user).map((r) => r.spent)).toEqual([{ billedMicros: DALL_E_PRICE, unknownMicros: 0 }]);
    expect(capturesOf(user)).toEqual([]);
    expect((await t.request('/v1/credits', { user })).body).toEqual({ ...before, monthlySpend: expect.any(Number) });
  });

  describe('past the deadline', () => {
    let short: TestApp;
    beforeAll(async () => {
      short = await start({ PROVIDER_DEADLINE_SECONDS: '1', RESERVATION_TIMEOUT_SECONDS: '16' });
    });
    afterAll(async () => short.close());

    it('OpenAI answers after the deadline: the call is unknown at its price, and the fake still bills it', async () => {
      const user = 'spend-late';
      fakes.openai.failNext({ kind: 'work-then-late', delayMs: 2_500 });
      const response = await generate(short, user, { prompt: 'an answer that comes too late' });
      expect(response.status).toBe(502);
      const attempts = await calls(short, user, 'GenerationFailed');
      expect(attempts).toEqual([
        expect.objectContaining({ provider: 'openai', outcome: 'unknown', priceMicros: DALL_E_PRICE }),
      ]);
      expect(releasesOf(user).map((r) => r.spent)).toEqual([{ billedMicros: 0, unknownMicros: DALL_E_PRICE }]);
      expect(fakes.openai.bill).toHaveLength(1);
    });
  });
});
