import { CommandBus } from '@nestjs/cqrs';
import { BillingJobs } from '../../src/billing/billing.jobs';
import type { Reservation } from '../../src/billing/reservation';
import { ReserveCredits } from '../../src/billing/reserve-credits/reserve-credits.command';
import { FakeClock } from '../../src/common/clock';
import { startTestApp, type TestApp } from '../support/test-app';

describe('credits and budget over HTTP', () => {
  let t: TestApp;
  const clock = new FakeClock('2026-11-25T10:00:00Z');
  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(async () => t.close());

  const countEvents = async () => Number((await t.database.query('SELECT count(*)::int AS n FROM events'))[0].n);

  it("a fresh user's status equals the seed's", async () => {
    const response = await t.request('/v1/credits', { user: 'fresh-user' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      userId: 'fresh-user',
      freeRemainingToday: 3,
      freeDailyQuota: 3,
      paidCredits: 0,
      reservedCredits: 0,
      monthlySpend: 0,
      monthlyCap: 100,
      tier: 'premium',
      quotaResetsAt: '2026-11-26T00:00:00.000Z',
    });
  });

  it('grants credits idempotently by externalId', async () => {
    const first = await t.request('/v1/admin/users/buyer/credits', {
      method: 'POST',
      json: { credits: 10, reason: 'purchase', externalId: 'pi_123' },
    });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ grantId: expect.stringMatching(/^grant_/), paidCredits: 10 });
    const again = await t.request('/v1/admin/users/buyer/credits', {
      method: 'POST',
      json: { credits: 10, reason: 'purchase', externalId: 'pi_123' },
    });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await t.request('/v1/credits', { user: 'buyer' })).body.paidCredits).toBe(10);
    const admin = await t.request('/v1/admin/users/buyer/credits');
    expect(admin.body.paidCredits).toBe(10);
  });

  it.each([
    [{ credits: 1.5, reason: 'x' }, 'credits'],
    [{ credits: -3, reason: 'x' }, 'credits'],
    [{ credits: 0, reason: 'x' }, 'credits'],
    [{ credits: 1_000_001, reason: 'x' }, 'credits'],
    [{ credits: '5', reason: 'x' }, 'credits'],
    [{ credits: 5 }, 'reason'],
    [{ credits: 5, reason: '' }, 'reason'],
    [{ credits: 5, reason: 'x'.repeat(201) }, 'reason'],
    [{ credits: 5, reason: 'x', admin: true }, 'admin'],
  ])('rejects the grant %j naming %s, and writes nothing', async (body, field) => {
    const before = await countEvents();
    const response = await t.request('/v1/admin/users/bad-input/credits', { method: 'POST', json: body });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await countEvents()).toBe(before);
  });

  it('rejects malformed user ids, invalid JSON and non-JSON bodies without writing', async () => {
    const before = await countEvents();
    const badId = await t.request(`/v1/admin/users/${encodeURIComponent('a b')}/credits`, {
      method: 'POST',
      json: { credits: 1, reason: 'x' },
    });
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0].field).toBe('userId');
    const longId = await t.request(`/v1/admin/users/${'u'.repeat(129)}/credits`);
    expect(longId.status).toBe(400);
    const invalidJson = await t.request('/v1/admin/users/u1/credits', {
      method: 'POST',
      body: '{"credits": 1,',
      headers: { 'content-type': 'application/json' },
    });
    expect(invalidJson.status).toBe(400);
    expect(invalidJson.body.code).toBe('validation_failed');
    const text = await t.request('/v1/admin/users/u1/credits', {
      method: 'POST',
      body: 'credits=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('unsupported_media_type');
    const huge = await t.request('/v1/admin/users/u1/credits', {
      method: 'POST',
      json: { credits: 1, reason: 'x'.repeat(70 * 1024) },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('payload_too_large');
    const devHeader = await t.request('/v1/credits', { user: 'bad id!' });
    expect(devHeader.status).toBe(400);
    expect((await t.request('/v1/credits', { user: '..' })).status).toBe(400);
    expect(await countEvents()).toBe(before);
  });

  it('lists every event about a user in order, with who caused it', async () => {
    const response = await t.request('/v1/admin/users/buyer/events');
    expect(response.status).toBe(200);
    expect(response.body.events).toHaveLength(1);
    expect(response.body.events[0]).toMatchObject({
      streamId: 'account-buyer',
      type: 'CreditsGranted',
      data: { credits: 10, externalId: 'pi_123' },
      metadata: { actor: 'admin', userId: 'buyer' },
    });
  });

  it('reads and sets the monthly budget', async () => {
    const read = await t.request('/v1/admin/budget');
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      month: '2026-11',
      spendUsd: 0,
      reservedUsd: 0,
      unknownUsd: 0,
      capUsd: 100,
      hardCapUsd: null,
      tier: 'premium',
      downgradedAt: null,
      forecastUsd: 0,
    });
    const set = await t.request('/v1/admin/budget', { method: 'PUT', json: { capUsd: 150, hardCapUsd: 200 } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ capUsd: 150, hardCapUsd: 200 });
    expect((await t.request('/v1/credits', { user: 'fresh-user' })).body.monthlyCap).toBe(150);
    const bad = await t.request('/v1/admin/budget', { method: 'PUT', json: { capUsd: 150, hardCapUsd: 100 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('hardCapUsd');
    const negative = await t.request('/v1/admin/budget', { method: 'PUT', json: { capUsd: -1 } });
    expect(negative.status).toBe(400);
    expect(negative.body.errors[0].field).toBe('capUsd');
  });

  it('shows the status at a past instant', async () => {
    clock.set('2026-11-25T12:00:00Z');
    await t.request('/v1/admin/users/timeline/credits', { method: 'POST', json: { credits: 4, reason: 'purchase' } });
    clock.set('2026-11-25T13:00:00Z');
    await t.request('/v1/admin/users/timeline/credits', { method: 'POST', json: { credits: 6, reason: 'purchase' } });
    const before = await t.request('/v1/admin/users/timeline/credits?at=2026-11-25T12:30:00Z');
    expect(before.body.paidCredits).toBe(4);
    const after = await t.request('/v1/admin/users/timeline/credits?at=2026-11-25T13:30:00.000Z');
    expect(after.body.paidCredits).toBe(10);
    const bad = await t.request('/v1/admin/users/timeline/credits?at=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('at');
  });
});

describe('PUT /v1/admin/budget keeps what it leaves out', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      clock: new FakeClock('2026-11-25T10:00:00Z'),
      env: { BUDGET_MONTHLY_CAP_USD: '100', BUDGET_HARD_CAP_USD: '250' },
    });
  });
  afterAll(async () => t.close());

  it('only capUsd keeps the configured hard cap; only hardCapUsd keeps the cap; hardCapUsd null removes it', async () => {
    expect((await t.request('/v1/admin/budget')).body).toMatchObject({ capUsd: 100, hardCapUsd: 250 });
    const capOnly = await t.request('/v1/admin/budget', { method: 'PUT', json: { capUsd: 150 } });
    expect(capOnly.status).toBe(200);
    expect(capOnly.body).toMatchObject({ capUsd: 150, hardCapUsd: 250 });
    const hardOnly = await t.request('/v1/admin/budget', { method: 'PUT', json: { hardCapUsd: 300 } });
    expect(hardOnly.body).toMatchObject({ capUsd: 150, hardCapUsd: 300 });
    // A cap given alone is still checked against the hard cap it keeps.
    const tooHigh = await t.request('/v1/admin/budget', { method: 'PUT', json: { capUsd: 301 } });
    expect(tooHigh.status).toBe(400);
    expect(tooHigh.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'capUsd' }] });
    const removed = await t.request('/v1/admin/budget', { method: 'PUT', json: { hardCapUsd: null } });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ capUsd: 150, hardCapUsd: null });
    expect((await t.request('/v1/admin/budget')).body).toMatchObject({ capUsd: 150, hardCapUsd: null });
    const stringly = await t.request('/v1/admin/budget', { method: 'PUT', json: { capUsd: '150' } });
    expect(stringly.status).toBe(400);
    // Only the hard cap can be removed.
    const noCap = await t.request('/v1/admin/budget', { method: 'PUT', json: { capUsd: null } });
    expect(noCap.status).toBe(400);
    expect(noCap.body.errors[0].field).toBe('capUsd');
  });
});

describe('the expiry job with one poisoned account', () => {
  let t: TestApp;
  const clock = new FakeClock('2026-11-25T10:00:00Z');
  beforeAll(async () => {
    t = await startTestApp({ clock, env: { RESERVATION_TIMEOUT_SECONDS: '60', PROVIDER_DEADLINE_SECONDS: '30' } });
  });
  afterAll(async () => t.close());

  const reserve = (userId: string): Promise<Reservation> =>
    t.app.get(CommandBus).execute(
      new ReserveCredits({
        userId,
        requestedTier: 'premium',
        premiumPriceMicros: 80_000,
        standardPriceMicros: 3_000,
        metadata: { actor: 'test' },
      }),
    );
  const failuresCounted = async () => {
    const text = (await t.request('/metrics')).text;
    return Number(/^genledger_reservation_expiry_failures_total (\S+)$/m.exec(text)?.[1]);
  };

  it('releases the others, logs the poisoned reservation with its user and counts it in /metrics', async () => {
    expect(await failuresCounted()).toBe(0);
    const poisoned = await reserve('poisoned');
    const others = await Promise.all(['fine-1', 'fine-2'].map(reserve));
    await t.database.query(`CREATE FUNCTION refuse_poisoned() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'poisoned account stream'; END $$`);
    await t.database.query(`CREATE TRIGGER refuse_poisoned BEFORE INSERT ON events FOR EACH ROW
      WHEN (NEW.stream_id = 'account-poisoned') EXECUTE FUNCTION refuse_poisoned()`);
    clock.advance(61_000);
    const released = (await t.app.get(BillingJobs).budgetAndExpiry())?.map((r) => r.reservationId);
    expect(released?.sort()).toEqual(others.map((r) => r.reservationId).sort());
    expect(await failuresCounted()).toBe(1);
    expect(t.logs).toContainEqual(
      expect.objectContaining({ reservationId: poisoned.reservationId, userId: 'poisoned' }),
    );
    for (const user of ['fine-1', 'fine-2'])
      expect((await t.request('/v1/credits', { user })).body.freeRemainingToday).toBe(3);
    await t.database.query('DROP TRIGGER refuse_poisoned ON events');
    await t.database.query('DROP FUNCTION refuse_poisoned()');
    const retried = (await t.app.get(BillingJobs).budgetAndExpiry())?.map((r) => r.reservationId);
    expect(retried).toEqual([poisoned.reservationId]);
    expect(await failuresCounted()).toBe(1);
    expect((await t.request('/v1/admin/budget')).body).toMatchObject({ reservedUsd: 0, unknownUsd: 0.24 });
  });
});
