import { budgetTotalsAt } from '../../src/billing/read-models/budget-months/budget-months.reads';
import type { ProviderCallRecord } from '../../src/generation/domain/generation-events';
import { startAllFakes, type AllFakes } from '../fakes';
import { billPriceMicros } from '../fakes/bill-price';
import { describePostgres } from '../support/test-database';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';

/** Retries fast, and a breaker that never opens: one request's faults never turn the others away. */
const RESILIENCE = { baseDelayMs: 10, maxDelayMs: 50, attemptTimeoutMs: 5_000, breakerThreshold: 1_000 };

/** One provider deadline of 3 s: a `work-then-late` answer 4.5 s after the work comes past it. */
const ENV = {
  PROVIDER_DEADLINE_SECONDS: '3',
  RESERVATION_TIMEOUT_SECONDS: '18',
  FREE_DAILY_QUOTA: '2',
  CREDITS_PER_PREMIUM: '2',
  CREDITS_PER_STANDARD: '1',
};
const CREDITS = { premium: 2, standard: 1 } as const;
const LATE_MS = 4_500;

const USERS = ['recon-ana', 'recon-ben', 'recon-cai', 'recon-dee'];
/** Every capture of this user fails on a database error (a trigger on the event table). */
const POISONED = 'recon-poisoned';
const GRANTED = 60;
const REQUESTS = 48;
const CONCURRENCY = 12;

/**
 * The fault queued before each request, in rotation. Faults are taken by whichever call reaches the
 * fake next, so with requests in flight together they land on other requests than the one that
 * queued them: what is fixed is the mix, and every figure below holds whatever the interleaving.
 */
const MODES: ReadonlyArray<{ name: string; queue(fakes: AllFakes): void }> = [
  { name: 'ok', queue: () => undefined },
  {
    name: 'openai did the work, then dropped the connection',
    queue: (f) => f.openai.failNext({ kind: 'work-then-drop' }),
  },
  {
    name: 'openai did the work, answered past the deadline',
    queue: (f) => f.openai.failNext({ kind: 'work-then-late', delayMs: LATE_MS }),
  },
  { name: 'openai 500', queue: (f) => f.openai.failNext({ kind: 'status', status: 500 }) },
  { name: 'openai 400 (refused)', queue: (f) => f.openai.failNext({ kind: 'status', status: 400 }) },
  { name: 'openai 429', queue: (f) => f.openai.failNext({ kind: 'status', status: 429 }) },
  { name: 'openai malformed body', queue: (f) => f.openai.failNext({ kind: 'malformed' }) },
  {
    name: 'cloudinary upload fails after the provider billed',
    queue: (f) => f.cloudinary.failNext({ kind: 'status', status: 500 }),
  },
  {
    name: 'openai down, fal did the work and dropped the result',
    queue: (f) => {
      f.openai.failNext({ kind: 'status', status: 503 }, 3);
      f.fal.failNext({ kind: 'work-then-drop' });
    },
  },
  {
    name: 'openai down, fal 502',
    queue: (f) => {
      f.openai.failNext({ kind: 'status', status: 503 }, 3);
      f.fal.failNext({ kind: 'status', status: 502 });
    },
  },
  {
    name: 'openai down, fal answered past the deadline',
    queue: (f) => {
      f.openai.failNext({ kind: 'status', status: 503 }, 3);
      f.fal.failNext({ kind: 'work-then-late', delayMs: LATE_MS });
    },
  },
];

type Event = { type: string; streamId: string; data: any };
type Sent = { user: string; prompt: string; mode?: string; response: TestResponse };

const priceOf = billPriceMicros;

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const micros = (usd: number) => Math.round(usd * 1_000_000);

describePostgres('reconciliation under chaos: the budget against the providers’ own bill', () => {
  let fakes: AllFakes;
  let t: TestApp;

  beforeAll(async () => {
    fakes = await startAllFakes();
    t = await startTestApp({ env: { ...fakes.env, ...ENV }, providerResilience: RESILIENCE });
  });
  afterAll(async () => {
    await t?.close();
    await fakes?.close();
  });

  const eventsOf = async (user: string) => (await t.request(`/v1/admin/users/${user}/events`)).body.events as Event[];
  const budget = async () => {
    const { body } = await t.request('/v1/admin/budget');
    return {
      month: body.month as string,
      billed: micros(body.spendUsd),
      unknown: micros(body.unknownUsd),
      held: micros(body.reservedUsd),
    };
  };

  it('every known call is in the budget at the bill’s price, unknown ones cover the rest, users pay for images received', async () => {
    const everyone = [...USERS, POISONED];
    for (const user of everyone) {
      const grant = await t.request(`/v1/admin/users/${user}/credits`, {
        method: 'POST',
        json: { credits: GRANTED, reason: 'purchase' },
      });
      expect(grant.status).toBe(201);
    }
    // The database refuses the capture of one user's reservations; everything else about them works.
    await t.database.query(`CREATE FUNCTION refuse_capture() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'capture refused by the database'; END $$`);
    await t.database.query(`CREATE TRIGGER refuse_capture BEFORE INSERT ON events FOR EACH ROW
      WHEN (NEW.stream_id = 'account-${POISONED}' AND NEW.type = 'ReservationCaptured')
      EXECUTE FUNCTION refuse_capture()`);

    const sent: Sent[] = [];
    let next = 0;
    try {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < REQUESTS) {
            const i = next++;
            MODES[i % MODES.length]!.queue(fakes);
            const user = i % 6 === 5 ? POISONED : USERS[i % USERS.length]!;
            const prompt = `reconciliation ${i}: a lighthouse in weather number ${i}`;
            const response = await t.request('/v1/generations', { method: 'POST', user, json: { prompt } });
            sent.push({ user, prompt, response });
          }
        }),
      );
      // Then each mode once more, one request at a time on an empty fault queue, so that each is
      // met by a request of its own whatever the interleaving above did with the faults.
      for (const [index, mode] of [{ name: 'capture refused', queue: () => undefined }, ...MODES].entries()) {
        for (const fake of [fakes.openai, fakes.fal, fakes.cloudinary]) fake.clearFaults();
        mode.queue(fakes);
        const user = index === 0 ? POISONED : USERS[index % USERS.length]!;
        const prompt = `reconciliation, ${mode.name}: a lighthouse alone`;
        const response = await t.request('/v1/generations', { method: 'POST', user, json: { prompt } });
        sent.push({ user, prompt, mode: mode.name, response });
      }
    } finally {
      await t.database.query('DROP TRIGGER refuse_capture ON events');
      await t.database.query('DROP FUNCTION refuse_capture()');
    }

    // Settled: every request has its answer, so nothing may still be held.
    const figures = await budget();
    expect(figures.held).toBe(0);
    // The audit's figures, summed from the events, are the live row's.
    expect(await budgetTotalsAt(t.database, figures.month, new Date())).toEqual({
      spendMicros: figures.billed,
      unknownMicros: figures.unknown,
      reservedMicros: 0,
    });

    const events = (await Promise.all(everyone.map(eventsOf))).flat();
    const finished = events.filter((e) => e.type === 'GenerationSucceeded' || e.type === 'GenerationFailed');
    expect(finished).toHaveLength(sent.length);
    const attempts = finished.flatMap((e) => (e.data.attempts ?? []) as ProviderCallRecord[]);
    const billed = attempts.filter((a) => a.outcome === 'billed');
    const unknown = attempts.filter((a) => a.outcome === 'unknown');

    // Every mode was met: successes and failures, each outcome of a call, a fallback, an image
    // billed but not stored, a capture the database refused, work the providers billed unanswered.
    const delivered = sent.filter((s) => s.response.status === 201);
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.length).toBeLessThan(sent.length);
    expect(new Set(attempts.map((a) => a.outcome))).toEqual(new Set(['billed', 'not_billed', 'unknown']));
    const alone = (name: string) => sent.find((s) => s.mode === name)!.response;
    expect(alone('capture refused').status).toBeGreaterThanOrEqual(500);
    expect(alone('ok').status).toBe(201);
    expect(alone('openai down, fal did the work and dropped the result')).toMatchObject({
      status: 201,
      body: { provider: 'fal', tier: 'standard' },
    });
    expect(alone('openai 400 (refused)').status).toBeGreaterThanOrEqual(400);
    expect(alone('openai did the work, answered past the deadline').status).toBeGreaterThanOrEqual(500);
    const failedWithBill = finished.filter(
      (e) =>
        e.type === 'GenerationFailed' && (e.data.attempts as ProviderCallRecord[]).some((a) => a.outcome === 'billed'),
    );
    expect(failedWithBill.some((e) => /could not be stored/.test(e.data.message))).toBe(true);
    expect(failedWithBill.some((e) => /capture refused by the database/.test(e.data.message))).toBe(true);

    // Known outcomes, exactly: every billed call is on the provider's bill once, at the bill's price,
    // and the budget's billed spend is their sum.
    const bills = { openai: fakes.openai.bill, fal: fakes.fal.bill };
    let knownBill = 0;
    for (const provider of ['openai', 'fal'] as const) {
      const entries = new Map(bills[provider].map((entry) => [entry.requestId, entry]));
      expect(entries.size).toBe(bills[provider].length);
      const ours = billed.filter((a) => a.provider === provider);
      const ids = ours.map((a) => a.requestId);
      expect(new Set(ids).size).toBe(ids.length);
      for (const call of ours) {
        const entry = entries.get(call.requestId ?? '');
        expect({ requestId: call.requestId, onTheBill: entry !== undefined }).toEqual({
          requestId: call.requestId,
          onTheBill: true,
        });
        expect(call.costMicros).toBe(priceOf(provider, entry!));
        knownBill += priceOf(provider, entry!);
      }
      // What the provider billed without a known outcome here is covered by calls counted unknown.
      const unmatched = bills[provider].filter((entry) => !ids.includes(entry.requestId));
      const unknownHere = unknown.filter((a) => a.provider === provider);
      expect(sum(unmatched.map((entry) => priceOf(provider, entry)))).toBeLessThanOrEqual(
        sum(unknownHere.map((a) => a.priceMicros)),
      );
      // A call said not billed is not on the bill.
      const refused = attempts.filter((a) => a.provider === provider && a.outcome === 'not_billed');
      expect(refused.filter((a) => a.requestId !== undefined && entries.has(a.requestId))).toEqual([]);
      // fal's job id is known once its submit answered: an unanswered job is a call counted unknown
      // under its id, or one without an id (the deadline cut the submit's answer off).
      if (provider === 'fal') {
        const unknownIds = new Set(unknownHere.map((a) => a.requestId));
        const withoutId = unknownHere.filter((a) => a.requestId === undefined).length;
        expect(unmatched.filter((entry) => !unknownIds.has(entry.requestId)).length).toBeLessThanOrEqual(withoutId);
      }
    }
    expect(fakes.openai.bill.length).toBeGreaterThan(billed.filter((a) => a.provider === 'openai').length);
    expect(figures.billed).toBe(knownBill);
    expect(figures.billed).toBe(sum(billed.map((a) => a.costMicros ?? 0)));
    expect(figures.unknown).toBe(sum(unknown.map((a) => a.priceMicros)));
    const wholeBill = sum(bills.openai.map((e) => priceOf('openai', e))) + sum(bills.fal.map((e) => priceOf('fal', e)));
    expect(figures.billed + figures.unknown).toBeGreaterThanOrEqual(wholeBill);

    // Users pay for the images they received, at the tier that served, and for nothing else.
    for (const user of everyone) {
      const mine = delivered.filter((s) => s.user === user);
      const own = events.filter((e) => e.streamId === `account-${user}`);
      const reservations = new Map(
        own.filter((e) => e.type === 'CreditsReserved').map((e) => [e.data.reservationId, e.data]),
      );
      const captures = own.filter((e) => e.type === 'ReservationCaptured');
      expect(captures.map((c) => reservations.get(c.data.reservationId)?.generationId).sort()).toEqual(
        mine.map((s) => s.response.body.id).sort(),
      );
      const paid = mine.filter((s) => s.response.body.charge === 'paid');
      const charged = sum(paid.map((s) => CREDITS[s.response.body.tier as 'premium' | 'standard']));
      expect(sum(captures.filter((c) => c.data.kind === 'paid').map((c) => c.data.credits))).toBe(charged);
      const free = mine.filter((s) => s.response.body.charge === 'free').length;
      expect((await t.request('/v1/credits', { user })).body).toMatchObject({
        paidCredits: GRANTED - charged,
        reservedCredits: 0,
        freeRemainingToday: Number(ENV.FREE_DAILY_QUOTA) - free,
      });
    }
    expect(delivered.filter((s) => s.user === POISONED)).toEqual([]);

    // Replaying every projection from the events gives the same budget.
    const rebuilt = await t.request('/v1/admin/projections/rebuild', { method: 'POST', json: { verify: true } });
    expect(rebuilt.status).toBe(200);
    expect(
      (rebuilt.body.projections as Array<{ name: string; differences?: number }>).filter((p) => p.differences !== 0),
    ).toEqual([]);
    expect(await budget()).toEqual(figures);
  }, 60_000);
});
