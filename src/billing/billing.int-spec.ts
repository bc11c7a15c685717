import { FakeClock } from '../common/clock';
import type { Database } from '../database/database';
import { DomainError } from '../common/domain-error';
import { openTestDatabase } from '../../test/support/test-app';
import { describePostgres } from '../../test/support/test-database';
import { billingOn, closeBillingHarnesses } from '../../test/support/billing-harness';
import { verify } from '../event-store/replay';
import { accountBalancesProjection } from './read-models/account-balances/account-balances.projection';

const PREMIUM = 80_000;
const STANDARD = 3_000;
const meta = { actor: 'test' };

function reserveFor(
  billing: Awaited<ReturnType<typeof billingOn>>['billing'],
  userId: string,
  tier: 'premium' | 'standard' = 'premium',
) {
  return billing.reserve({
    userId,
    requestedTier: tier,
    premiumPriceMicros: PREMIUM,
    standardPriceMicros: STANDARD,
    metadata: meta,
  });
}

async function settle<T>(promises: Promise<T>[]) {
  const results = await Promise.allSettled(promises);
  const ok: T[] = [];
  const codes: string[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') ok.push(result.value);
    else codes.push((result.reason as DomainError).code ?? String(result.reason));
  }
  return { ok, codes };
}

describePostgres('billing under concurrency on PostgreSQL', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase({ label: 'billing' });
    await database.migrate();
  });
  afterAll(async () => {
    await closeBillingHarnesses();
    await database.close();
  });

  it('200 concurrent reservations for 3 free + 5 paid credits: exactly 8 succeed, never negative, 0 after captures', async () => {
    const { billing } = await billingOn(database);
    await billing.grant('burst', { credits: 5, reason: 'purchase' }, meta);
    const { ok, codes } = await settle(Array.from({ length: 200 }, () => reserveFor(billing, 'burst')));
    expect(ok).toHaveLength(8);
    expect(ok.filter((r) => r.charge === 'free')).toHaveLength(3);
    expect(ok.filter((r) => r.charge === 'paid')).toHaveLength(5);
    expect(codes).toEqual(Array(192).fill('insufficient_credits'));
    const during = await billing.status('burst');
    expect(during).toMatchObject({ paidCredits: 0, reservedCredits: 5, freeRemainingToday: 0 });
    await Promise.all(ok.map((r) => billing.capture(r, PREMIUM, meta)));
    const after = await billing.status('burst');
    expect(after).toMatchObject({ paidCredits: 0, reservedCredits: 0, freeRemainingToday: 0 });
    const [row] = await database.query(
      'SELECT paid_available, paid_reserved, paid_captured FROM account_balances WHERE user_id = $1',
      ['burst'],
    );
    expect(row).toEqual({ paid_available: 0, paid_reserved: 0, paid_captured: 5 });
  });

  it('20 concurrent grants with one externalId make exactly one grant', async () => {
    const { billing, store } = await billingOn(database);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        billing.grant('granted', { credits: 7, reason: 'purchase', externalId: 'pi_1' }, meta),
      ),
    );
    expect(new Set(results.map((r) => r.grantId)).size).toBe(1);
    expect((await billing.status('granted')).paidCredits).toBe(7);
    const events = await store.readStream('account-granted');
    expect(events.filter((e) => e.type === 'CreditsGranted')).toHaveLength(1);
  });

  it('concurrent requests crossing the soft cap record exactly one TierDowngraded', async () => {
    const clock = new FakeClock('2026-05-10T10:00:00Z');
    const { billing, store } = await billingOn(
      database,
      { BUDGET_MONTHLY_CAP_USD: '0.4', FREE_DAILY_QUOTA: '1000' },
      clock,
    );
    const { ok } = await settle(Array.from({ length: 30 }, (_, i) => reserveFor(billing, `capuser${i}`)));
    expect(ok).toHaveLength(30);
    const premium = ok.filter((r) => r.tier === 'premium');
    expect(premium).toHaveLength(5);
    expect(ok.filter((r) => r.downgraded)).toHaveLength(25);
    const downgrades = (await store.readStream('budget-2026-05')).filter((e) => e.type === 'TierDowngraded');
    expect(downgrades).toHaveLength(1);
  });

  it('with a hard cap, spend + reserved never exceeds it under 100 concurrent reservations', async () => {
    const clock = new FakeClock('2026-06-10T10:00:00Z');
    const { billing } = await billingOn(
      database,
      { BUDGET_MONTHLY_CAP_USD: '0.01', BUDGET_HARD_CAP_USD: '0.05', FREE_DAILY_QUOTA: '1000' },
      clock,
    );
    const { ok, codes } = await settle(Array.from({ length: 100 }, (_, i) => reserveFor(billing, `hard${i}`)));
    // Standard at $0.003 each: 16 fit in $0.05 (0.048); the rest are refused.
    expect(ok).toHaveLength(16);
    expect(codes.every((c) => c === 'budget_exhausted')).toBe(true);
    const { view } = await billing.budget(undefined, { fresh: true });
    expect(view.spendMicros + view.reservedMicros).toBeLessThanOrEqual(50_000);
    await Promise.all(ok.map((r) => billing.capture(r, STANDARD, meta)));
    const settled = await billing.budget(undefined, { fresh: true });
    expect(settled.view.spendMicros).toBe(48_000);
    expect(settled.view.reservedMicros).toBe(0);
  });

  it('reservations, captures, releases and cap changes at once: never past the hard cap, the row equal to a replay', async () => {
    const clock = new FakeClock('2026-06-10T12:00:00Z');
    const { billing, store } = await billingOn(database, { FREE_DAILY_QUOTA: '1000' }, clock);
    await billing.setBudgetCap(400_000, 600_000, meta);
    const observed: number[] = [];
    const work = Array.from({ length: 120 }, async (_, i) => {
      if (i % 15 === 7) {
        await billing.setBudgetCap(i % 2 === 0 ? 200_000 : 500_000, 600_000, meta);
        return;
      }
      const reservation = await reserveFor(billing, `mixed-${i % 6}`, i % 3 === 0 ? 'standard' : 'premium').catch(
        (error: DomainError) => error.code,
      );
      if (typeof reservation === 'string') {
        expect(reservation).toBe('budget_exhausted');
        return;
      }
      const { view } = await billing.budget(undefined, { fresh: true });
      observed.push(view.spendMicros + view.reservedMicros);
      if (i % 4 === 0) await billing.release(reservation, meta);
      else
        await billing.capture(reservation, i % 5 === 0 ? reservation.priceMicros / 2 : reservation.priceMicros, meta);
    });
    await Promise.all(work);
    expect(observed.length).toBeGreaterThan(0);
    expect(Math.max(...observed)).toBeLessThanOrEqual(600_000);
    const { view } = await billing.budget(undefined, { fresh: true });
    expect(view.reservedMicros).toBe(0);
    expect(view.spendMicros).toBeLessThanOrEqual(600_000);
    // The live row is exactly what the events say.
    const check = await verify(store, accountBalancesProjection);
    expect(check.differences).toEqual([]);
    // Downgrades and restores alternate: no transition recorded twice.
    const changes = (await store.readStream('budget-2026-06'))
      .filter((e) => e.type === 'TierDowngraded' || e.type === 'TierRestored')
      .map((e) => e.type);
    changes.forEach((type, index) => index > 0 && expect(type).not.toBe(changes[index - 1]));
  });
});

describe('billing with a fake clock (PostgreSQL when available, else PGlite)', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase({ label: 'billingclock' });
    await database.migrate();
  });
  afterAll(async () => {
    await closeBillingHarnesses();
    await database.close();
  });

  it('a reservation made at 23:59:59 UTC and captured after midnight counts for its own day; the next day has 3 free without any job', async () => {
    const clock = new FakeClock('2026-03-03T23:59:59Z');
    const { billing } = await billingOn(database, {}, clock);
    const first = await reserveFor(billing, 'night');
    await reserveFor(billing, 'night').then((r) => billing.capture(r, 1, meta));
    await reserveFor(billing, 'night').then((r) => billing.capture(r, 1, meta));
    clock.set('2026-03-04T00:00:01Z');
    await billing.capture(first, PREMIUM, meta);
    const status = await billing.status('night');
    expect(status.freeRemainingToday).toBe(3);
    expect(status.quotaResetsAt).toBe('2026-03-05T00:00:00.000Z');
    const today = await reserveFor(billing, 'night');
    expect(today.charge).toBe('free');
    expect((await billing.status('night')).freeRemainingToday).toBe(2);
  });

  it('an expired reservation is released by the job and can no longer be captured', async () => {
    const clock = new FakeClock('2026-03-10T12:00:00Z');
    const { billing } = await billingOn(
      database,
      { RESERVATION_TIMEOUT_SECONDS: '60', PROVIDER_DEADLINE_SECONDS: '30' },
      clock,
    );
    await billing.grant('crash', { credits: 1, reason: 'test' }, meta);
    for (let i = 0; i < 3; i++) await reserveFor(billing, 'crash').then((r) => billing.capture(r, 1, meta));
    const held = await reserveFor(billing, 'crash');
    expect(held.charge).toBe('paid');
    expect((await billing.status('crash')).paidCredits).toBe(0);
    clock.advance(61_000);
    await expect(billing.capture(held, PREMIUM, meta)).rejects.toMatchObject({ code: 'invalid_state' });
    // Other tests' open reservations on this database expire too: count only at least ours.
    expect((await billing.expireReservations()).map((r) => r.reservationId)).toContain(held.reservationId);
    expect(await billing.expireReservations()).toEqual([]);
    expect(await billing.status('crash')).toMatchObject({ paidCredits: 1, reservedCredits: 0 });
  });

  it('a month change restores Premium after a downgrade', async () => {
    const clock = new FakeClock('2026-07-31T23:00:00Z');
    const { billing, store } = await billingOn(
      database,
      { BUDGET_MONTHLY_CAP_USD: '0.1', FREE_DAILY_QUOTA: '100' },
      clock,
    );
    const first = await reserveFor(billing, 'monthly');
    expect(first.tier).toBe('premium');
    const second = await reserveFor(billing, 'monthly');
    expect(second).toMatchObject({ tier: 'standard', downgraded: true });
    expect((await billing.status('monthly')).tier).toBe('standard');
    clock.set('2026-08-01T00:00:05Z');
    await billing.evaluateBudget();
    expect((await billing.status('monthly')).tier).toBe('premium');
    const restored = (await store.readStream('budget-2026-08')).filter((e) => e.type === 'TierRestored');
    expect(restored.map((e) => (e.data as { reason: string }).reason)).toEqual(['new_month']);
    expect((await reserveFor(billing, 'monthly')).tier).toBe('premium');
  });

  it('raising the cap restores Premium', async () => {
    const clock = new FakeClock('2026-09-15T10:00:00Z');
    const { billing } = await billingOn(database, { BUDGET_MONTHLY_CAP_USD: '0.1', FREE_DAILY_QUOTA: '100' }, clock);
    await reserveFor(billing, 'raiser');
    expect((await reserveFor(billing, 'raiser')).tier).toBe('standard');
    const view = await billing.setBudgetCap(10_000_000, null, meta);
    expect(view.tier).toBe('premium');
    expect((await reserveFor(billing, 'raiser')).tier).toBe('premium');
  });

  it('the status at a past instant is the balance as it was then', async () => {
    const clock = new FakeClock('2026-04-01T08:00:00Z');
    const { billing } = await billingOn(database, { RESERVATION_TIMEOUT_SECONDS: '7200' }, clock);
    await billing.grant('history', { credits: 10, reason: 'purchase' }, meta); // 08:00 paid 10
    clock.set('2026-04-01T09:00:00Z');
    for (let i = 0; i < 3; i++) await reserveFor(billing, 'history').then((r) => billing.capture(r, 1, meta)); // free x3
    clock.set('2026-04-01T10:00:00Z');
    const paid = await reserveFor(billing, 'history'); // 10:00 paid 9, reserved 1
    clock.set('2026-04-01T11:00:00Z');
    await billing.capture(paid, PREMIUM, meta); // 11:00 paid 9, reserved 0
    clock.set('2026-04-02T09:00:00Z');
    await billing.grant('history', { credits: 5, reason: 'bonus' }, meta); // next day paid 14

    const at = async (iso: string) => billing.status('history', new Date(iso));
    expect(await at('2026-04-01T07:59:59Z')).toMatchObject({ paidCredits: 0, freeRemainingToday: 3 });
    expect(await at('2026-04-01T08:30:00Z')).toMatchObject({ paidCredits: 10, freeRemainingToday: 3, monthlySpend: 0 });
    expect(await at('2026-04-01T09:30:00Z')).toMatchObject({
      paidCredits: 10,
      freeRemainingToday: 0,
      monthlySpend: 0.000003,
    });
    expect(await at('2026-04-01T10:30:00Z')).toMatchObject({
      paidCredits: 9,
      reservedCredits: 1,
      monthlySpend: 0.000003,
    });
    expect(await at('2026-04-01T11:30:00Z')).toMatchObject({
      paidCredits: 9,
      reservedCredits: 0,
      monthlySpend: 0.080003,
    });
    const budgetAt = async (iso: string) => (await billing.budget(new Date(iso))).view;
    expect(await budgetAt('2026-04-01T10:30:00Z')).toMatchObject({ spendMicros: 3, reservedMicros: PREMIUM });
    expect(await budgetAt('2026-04-01T11:30:00Z')).toMatchObject({ spendMicros: 80_003, reservedMicros: 0 });
    expect(await budgetAt('2026-04-02T10:00:00Z')).toEqual((await billing.budget(undefined, { fresh: true })).view);
    expect(await at('2026-04-02T08:00:00Z')).toMatchObject({ paidCredits: 9, freeRemainingToday: 3 });
    expect(await at('2026-04-02T10:00:00Z')).toMatchObject({ paidCredits: 14 });
  });

  it('capture and release count billed and unknown spend; the caps count spend + held + unknown', async () => {
    const clock = new FakeClock('2026-05-10T12:00:00Z');
    const env = { BUDGET_MONTHLY_CAP_USD: '0.4', BUDGET_HARD_CAP_USD: '0.5', FREE_DAILY_QUOTA: '100' };
    const { billing, store } = await billingOn(database, env, clock);
    const first = await reserveFor(billing, 'unknowns');
    // Premium billed twice (a retry after a dropped answer) and one attempt of unknown outcome.
    await billing.capture(first, 120_000, meta, { unknownMicros: PREMIUM });
    const second = await reserveFor(billing, 'unknowns');
    // Billed but never stored, and one more attempt of unknown outcome: the user pays nothing.
    await billing.release(second, meta, { billedMicros: PREMIUM, unknownMicros: PREMIUM });
    expect((await billing.budget(undefined, { fresh: true })).view).toMatchObject({
      spendMicros: 200_000,
      unknownMicros: 160_000,
      reservedMicros: 0,
    });
    // 360_000 + Premium's 80_000 passes the 400_000 soft cap only because unknown spend counts.
    const third = await reserveFor(billing, 'unknowns');
    expect(third).toMatchObject({ tier: 'standard', downgraded: true });
    await billing.release(third, meta, { billedMicros: 0, unknownMicros: 137_001 });
    // 200_000 billed + 297_001 unknown + 3_000 would pass the 500_000 hard cap.
    await expect(reserveFor(billing, 'unknowns', 'standard')).rejects.toMatchObject({ code: 'budget_exhausted' });
    // The released ones' credits came back; the same figures at an instant, from the events.
    expect(await billing.status('unknowns')).toMatchObject({ freeRemainingToday: 99, reservedCredits: 0 });
    expect((await billing.budget(new Date('2026-05-10T12:00:01Z'))).view).toMatchObject({
      spendMicros: 200_000,
      unknownMicros: 297_001,
      reservedMicros: 0,
    });
    expect((await verify(store, accountBalancesProjection)).differences).toEqual([]);
  });

  it("an expired reservation gives the user's credits back and keeps its price in the month as unknown spend", async () => {
    const clock = new FakeClock('2026-10-10T12:00:00Z');
    const env = { RESERVATION_TIMEOUT_SECONDS: '60', PROVIDER_DEADLINE_SECONDS: '30', FREE_DAILY_QUOTA: '0' };
    const { billing } = await billingOn(database, env, clock);
    await billing.grant('crashed', { credits: 2, reason: 'test' }, meta);
    const held = await reserveFor(billing, 'crashed');
    expect(held).toMatchObject({ charge: 'paid', tier: 'premium' });
    const before = (await billing.budget(undefined, { fresh: true })).view;
    clock.advance(61_000);
    expect((await billing.expireReservations()).map((r) => r.reservationId)).toContain(held.reservationId);
    expect(await billing.status('crashed')).toMatchObject({ paidCredits: 2, reservedCredits: 0 });
    const after = (await billing.budget(undefined, { fresh: true })).view;
    expect(after.reservedMicros).toBe(before.reservedMicros - PREMIUM);
    expect(after.unknownMicros).toBe(before.unknownMicros + PREMIUM);
    expect(after.spendMicros).toBe(before.spendMicros);
  });

  it('a Premium reservation served by Standard charges Standard credits and gives the rest back', async () => {
    const clock = new FakeClock('2026-01-10T12:00:00Z');
    const env = { CREDITS_PER_PREMIUM: '3', CREDITS_PER_STANDARD: '1', FREE_DAILY_QUOTA: '0' };
    const { billing, store } = await billingOn(database, env, clock);
    await billing.grant('fallback', { credits: 5, reason: 'purchase' }, meta);
    const reservation = await reserveFor(billing, 'fallback');
    expect(reservation).toMatchObject({ charge: 'paid', credits: 3, tier: 'premium' });
    expect(await billing.status('fallback')).toMatchObject({ paidCredits: 2, reservedCredits: 3 });
    await billing.capture(reservation, PREMIUM + STANDARD, meta, { servedTier: 'standard' });
    expect(await billing.status('fallback')).toMatchObject({ paidCredits: 4, reservedCredits: 0 });
    const captured = (await store.readStream('account-fallback')).find((e) => e.type === 'ReservationCaptured');
    expect(captured?.data).toMatchObject({ credits: 1, returnedCredits: 2, servedTier: 'standard' });
    const [row] = await database.query(
      'SELECT paid_available, paid_reserved, paid_captured FROM account_balances WHERE user_id = $1',
      ['fallback'],
    );
    expect(row).toEqual({ paid_available: 4, paid_reserved: 0, paid_captured: 1 });
    // Served by the tier reserved: the whole hold is charged.
    const premium = await reserveFor(billing, 'fallback');
    await billing.capture(premium, PREMIUM, meta, { servedTier: 'premium' });
    expect(await billing.status('fallback')).toMatchObject({ paidCredits: 1, reservedCredits: 0 });
    expect((await verify(store, accountBalancesProjection)).differences).toEqual([]);
  });

  it('the expiry job releases every other reservation when one account fails, and reports that one', async () => {
    const clock = new FakeClock('2026-11-10T12:00:00Z');
    const env = { RESERVATION_TIMEOUT_SECONDS: '60', PROVIDER_DEADLINE_SECONDS: '30' };
    const { billing } = await billingOn(database, env, clock);
    const poisoned = await reserveFor(billing, 'poisoned');
    const healthy = await Promise.all(['healthy-1', 'healthy-2', 'healthy-3'].map((user) => reserveFor(billing, user)));
    // The poisoned account cannot record anything: its stream's appends fail.
    await database.query(`CREATE FUNCTION refuse_poisoned() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'poisoned account stream'; END $$`);
    await database.query(`CREATE TRIGGER refuse_poisoned BEFORE INSERT ON events FOR EACH ROW
      WHEN (NEW.stream_id = 'account-poisoned') EXECUTE FUNCTION refuse_poisoned()`);
    try {
      clock.advance(61_000);
      const released = (await billing.expireReservations()).map((r) => r.reservationId);
      expect(released).toEqual(expect.arrayContaining(healthy.map((r) => r.reservationId)));
      expect(released).not.toContain(poisoned.reservationId);
      const failures = await billing.expiryFailures();
      expect(failures.total).toBe(1);
      expect(failures.latest).toEqual([
        {
          reservationId: poisoned.reservationId,
          userId: 'poisoned',
          message: expect.stringMatching(/poisoned account stream/),
          at: '2026-11-10T12:01:01.000Z',
        },
      ]);
      for (const user of ['healthy-1', 'healthy-2', 'healthy-3'])
        expect((await billing.status(user)).freeRemainingToday).toBe(3);
    } finally {
      await database.query('DROP TRIGGER refuse_poisoned ON events');
      await database.query('DROP FUNCTION refuse_poisoned()');
    }
    // Once the account works again, the next run releases it.
    expect((await billing.expireReservations()).map((r) => r.reservationId)).toEqual([poisoned.reservationId]);
    expect((await billing.expiryFailures()).total).toBe(1);
  });

  it('failing accounts never take the whole batch: a run takes users, and those that failed go last', async () => {
    const clock = new FakeClock('2026-11-11T12:00:00Z');
    const env = { RESERVATION_TIMEOUT_SECONDS: '60', PROVIDER_DEADLINE_SECONDS: '30' };
    const { billing } = await billingOn(database, env, clock);
    // The failing account holds the oldest reservations, more of them than a run takes users.
    const stuck = [];
    for (let i = 0; i < 3; i++) stuck.push(await reserveFor(billing, 'stuck'));
    clock.advance(1_000);
    const healthy = [];
    for (const user of ['fine-1', 'fine-2', 'fine-3']) {
      healthy.push(await reserveFor(billing, user));
      clock.advance(1_000);
    }
    await database.query(`CREATE FUNCTION refuse_stuck() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'stuck account stream'; END $$`);
    await database.query(`CREATE TRIGGER refuse_stuck BEFORE INSERT ON events FOR EACH ROW
      WHEN (NEW.stream_id = 'account-stuck') EXECUTE FUNCTION refuse_stuck()`);
    try {
      clock.advance(61_000);
      const failedBefore = (await billing.expiryFailures()).total;
      // Two users a run: the failing one (oldest) and the oldest healthy one; then the other two.
      expect((await billing.expireReservations(2)).map((r) => r.userId)).toEqual(['fine-1']);
      expect((await billing.expiryFailures()).total - failedBefore).toBe(3);
      expect((await billing.expireReservations(2)).map((r) => r.userId).sort()).toEqual(['fine-2', 'fine-3']);
      for (const reservation of healthy) {
        expect((await billing.status(reservation.userId)).freeRemainingToday).toBe(3);
      }
    } finally {
      await database.query('DROP TRIGGER refuse_stuck ON events');
      await database.query('DROP FUNCTION refuse_stuck()');
    }
    expect((await billing.expireReservations(2)).map((r) => r.reservationId).sort()).toEqual(
      stuck.map((r) => r.reservationId).sort(),
    );
  });
});
