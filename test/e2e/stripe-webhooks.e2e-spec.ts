import { REVENUE_PROJECTION } from '../../src/analytics/projections/revenue.projection';
import { FakeClock } from '../../src/common/clock';
import { ProjectionRunners } from '../../src/event-store/projection-runners';
import { waitUntilCaughtUp } from '../support/wait-until-caught-up';
import { FAKE_CREDENTIALS, startFakeStripe, type FakeStripe } from '../fakes';
import { startTestApp, type TestApp } from '../support/test-app';

const HOUR = 3600_000;

describe.each([
  ['PostgreSQL when available', false],
  ['the embedded database', true],
])('buying credits through Stripe Checkout and its webhooks on %s', (_label, embedded) => {
  let stripe: FakeStripe;
  let t: TestApp;
  let webhookUrl: string;
  const clock = new FakeClock('2026-11-25T10:00:00Z');

  beforeAll(async () => {
    stripe = await startFakeStripe({
      secretKey: FAKE_CREDENTIALS.stripeSecretKey,
      webhookSecret: FAKE_CREDENTIALS.stripeWebhookSecret,
    });
    t = await startTestApp({
      clock,
      embedded,
      env: {
        CREDIT_PACKS: '10:5.00,50:20.00',
        FREE_DAILY_QUOTA: '1',
        CREDITS_PER_PREMIUM: '4',
        STRIPE_SECRET_KEY: FAKE_CREDENTIALS.stripeSecretKey,
        STRIPE_WEBHOOK_SECRET: FAKE_CREDENTIALS.stripeWebhookSecret,
        STRIPE_API_BASE: stripe.url,
      },
    });
    webhookUrl = `${t.url}/v1/webhooks/stripe`;
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  const countRows = async (table: string) =>
    Number((await t.database.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);
  const paidCredits = async (user: string) => (await t.request('/v1/credits', { user })).body.paidCredits as number;
  const eventTypes = async (user: string) =>
    (await t.request(`/v1/admin/users/${user}/events`)).body.events.map((e: { type: string }) => e.type) as string[];
  const checkout = async (user: string, pack = '10'): Promise<string> => {
    const response = await t.request('/v1/credits/checkout', { method: 'POST', user, json: { pack } });
    expect(response.status).toBe(201);
    return response.body.sessionId;
  };
  const generate = (user: string, prompt: string) =>
    t.request('/v1/generations', { method: 'POST', user, json: { prompt } });

  it('checkout -> the session completes -> the signed webhook grants exactly the pack; the user generates with them', async () => {
    const sessionId = await checkout('alice');
    const delivered = await stripe.deliver(webhookUrl, stripe.complete(sessionId));
    expect(delivered).toEqual({ status: 200, body: { received: true, outcome: 'processed' } });
    expect(await paidCredits('alice')).toBe(10);

    expect((await generate('alice', 'a lighthouse at dawn')).body.charge).toBe('free');
    const paid = await generate('alice', 'a harbour at dusk');
    expect(paid.status).toBe(201);
    expect(paid.body.charge).toBe('paid');
    expect(paid.body.credits.paidCredits).toBe(6);
    const purchase = (await t.request(`/v1/admin/users/alice/events`)).body.events.find(
      (e: { type: string }) => e.type === 'CreditsPurchased',
    );
    expect(purchase.data).toMatchObject({ sessionId, credits: 10, amountMicros: 5_000_000, currency: 'usd' });
    expect(purchase.metadata).toMatchObject({ actor: 'stripe', stripeEventType: 'checkout.session.completed' });
  });

  it('grants once when the same event arrives 10 times at once, again an hour later, and under another event id', async () => {
    const sessionId = await checkout('bob');
    const completed = stripe.complete(sessionId);
    const deliveries = await Promise.all(Array.from({ length: 10 }, () => stripe.deliver(webhookUrl, completed)));
    expect(deliveries.map((d) => d.status)).toEqual(Array(10).fill(200));
    const outcomes = deliveries.map((d) => (d.body as { outcome: string }).outcome).sort();
    expect(outcomes).toEqual([...Array(9).fill('duplicate'), 'processed']);
    expect(await paidCredits('bob')).toBe(10);

    clock.advance(HOUR);
    expect((await stripe.deliver(webhookUrl, completed)).body).toEqual({ received: true, outcome: 'duplicate' });
    // The same session in another event (Stripe's own retry is the same id; this is a second event).
    const sameSession = stripe.event('checkout.session.async_payment_succeeded', stripe.session(sessionId));
    expect((await stripe.deliver(webhookUrl, sameSession)).status).toBe(200);
    expect(await paidCredits('bob')).toBe(10);
    expect((await eventTypes('bob')).filter((type) => type === 'CreditsPurchased')).toHaveLength(1);
  });

  it('answers 400 and writes nothing for a forged signature, a stale timestamp or a body changed after signing', async () => {
    const sessionId = await checkout('mallory');
    const completed = stripe.complete(sessionId);
    const events = await countRows('events');
    const received = await countRows('stripe_webhook_deliveries');
    const attempts = [
      await stripe.deliver(webhookUrl, completed, { secret: 'whsec_somebody_else' }),
      await stripe.deliver(webhookUrl, completed, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
      await stripe.deliver(webhookUrl, completed, {
        tamper: (payload) => payload.replace('"amount_total": 500', '"amount_total": 5'),
      }),
    ];
    for (const attempt of attempts) {
      expect(attempt.status).toBe(400);
      expect(attempt.body).toMatchObject({ code: 'invalid_signature', status: 400 });
    }
    const unsigned = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(completed),
    });
    expect(unsigned.status).toBe(400);
    expect(await countRows('events')).toBe(events);
    expect(await countRows('stripe_webhook_deliveries')).toBe(received);
    expect(await paidCredits('mallory')).toBe(0);
  });

  it('grants once when the delayed payment succeeds before the completion arrives, and never when it fails', async () => {
    const early = await checkout('carol');
    const completedUnpaid = stripe.complete(early, { async: true });
    const succeeded = stripe.asyncOutcome(early, 'succeeded');
    expect((await stripe.deliver(webhookUrl, succeeded)).body).toMatchObject({ outcome: 'processed' });
    expect((await stripe.deliver(webhookUrl, completedUnpaid)).body).toMatchObject({ outcome: 'ignored' });
    expect(await paidCredits('carol')).toBe(10);

    const failing = await checkout('dave', '50');
    expect((await stripe.deliver(webhookUrl, stripe.complete(failing, { async: true }))).status).toBe(200);
    expect((await stripe.deliver(webhookUrl, stripe.asyncOutcome(failing, 'failed'))).status).toBe(200);
    const lateSuccess = stripe.event('checkout.session.async_payment_succeeded', stripe.session(failing));
    expect((await stripe.deliver(webhookUrl, lateSuccess)).status).toBe(200);
    expect(await paidCredits('dave')).toBe(0);
    expect(await eventTypes('dave')).toEqual(['CheckoutStarted', 'CreditsPurchaseFailed']);
  });

  it('refuses a refund delivered before its payment (Stripe delivers it again), then takes it back once', async () => {
    const sessionId = await checkout('henry');
    const completed = stripe.complete(sessionId);
    const refunded = stripe.refund(sessionId, 250);
    const early = await stripe.deliver(webhookUrl, refunded);
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'invalid_state' });
    expect(await eventTypes('henry')).toEqual(['CheckoutStarted']);
    await stripe.deliver(webhookUrl, completed);
    expect((await stripe.deliver(webhookUrl, refunded)).body).toMatchObject({ outcome: 'processed' });
    expect(await paidCredits('henry')).toBe(5);
    const other = stripe.event('charge.refunded', {
      id: 'ch_x',
      object: 'charge',
      payment_intent: 'pi_not_ours',
      amount: 100,
      amount_refunded: 100,
    });
    expect((await stripe.deliver(webhookUrl, other)).body).toMatchObject({ outcome: 'ignored' });
  });

  it('a full refund of an unspent pack takes the credits back to zero', async () => {
    const sessionId = await checkout('erin');
    await stripe.deliver(webhookUrl, stripe.complete(sessionId));
    expect(await paidCredits('erin')).toBe(10);
    const refunded = stripe.refund(sessionId, 500);
    expect((await stripe.deliver(webhookUrl, refunded)).body).toMatchObject({ outcome: 'processed' });
    expect((await stripe.deliver(webhookUrl, stripe.event('charge.refunded', refunded.data.object))).status).toBe(200);
    expect(await paidCredits('erin')).toBe(0);
    const history = (await t.request('/v1/credits/purchases', { user: 'erin' })).body;
    expect(history.debtCredits).toBe(0);
  });

  it('a refund after spending leaves 0 and records the debt; paid generation is refused until covered, free quota still works', async () => {
    clock.set('2026-11-26T09:00:00Z');
    const sessionId = await checkout('frank');
    await stripe.deliver(webhookUrl, stripe.complete(sessionId));
    expect((await generate('frank', 'first: a red dog on a blue car')).body.charge).toBe('free');
    expect((await generate('frank', 'second: a blue dog on a red car')).body.charge).toBe('paid');
    expect((await generate('frank', 'third: a green dog on a car')).body.charge).toBe('paid');
    expect(await paidCredits('frank')).toBe(2);

    await stripe.deliver(webhookUrl, stripe.refund(sessionId, 500));
    expect(await paidCredits('frank')).toBe(0);
    const [row] = await t.database.query(
      'SELECT paid_available, debt_credits FROM account_balances WHERE user_id = $1',
      ['frank'],
    );
    expect({ available: Number(row.paid_available), debt: Number(row.debt_credits) }).toEqual({
      available: 0,
      debt: 8,
    });
    const refused = await generate('frank', 'fourth: a dog without a car');
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ code: 'insufficient_credits', debtCredits: 8 });
    expect(refused.body.detail).toMatch(/8 credits owed/);

    clock.set('2026-11-27T09:00:00Z');
    expect((await generate('frank', 'fifth: a free dog')).body.charge).toBe('free');
    // A new pack pays the debt first.
    const second = await checkout('frank');
    await stripe.deliver(webhookUrl, stripe.complete(second));
    expect(await paidCredits('frank')).toBe(2);
    const history = (await t.request('/v1/credits/purchases', { user: 'frank' })).body;
    expect(history.debtCredits).toBe(0);
  });

  it('a dispute takes the disputed share back and a won dispute gives it back', async () => {
    const sessionId = await checkout('gina', '50');
    await stripe.deliver(webhookUrl, stripe.complete(sessionId));
    const created = stripe.dispute(sessionId, 1000, 'created');
    const disputeId = (created.data.object as { id: string }).id;
    await stripe.deliver(webhookUrl, created);
    expect(await paidCredits('gina')).toBe(25);
    await stripe.deliver(webhookUrl, stripe.dispute(sessionId, 1000, 'won', disputeId));
    expect(await paidCredits('gina')).toBe(50);
  });

  it('answers 200 to event types it does not act on, and to sessions it did not open, writing nothing', async () => {
    const events = await countRows('events');
    const foreign = stripe.event('checkout.session.completed', {
      id: 'cs_test_not_ours',
      object: 'checkout.session',
      payment_status: 'paid',
      payment_intent: 'pi_not_ours',
      client_reference_id: 'zoe',
      metadata: { userId: 'zoe', packId: '50' },
    });
    expect((await stripe.deliver(webhookUrl, foreign)).body).toEqual({ received: true, outcome: 'ignored' });
    expect(await paidCredits('zoe')).toBe(0);
    const other = stripe.event('customer.created', { id: 'cus_1', object: 'customer' });
    expect(await stripe.deliver(webhookUrl, other)).toEqual({
      status: 200,
      body: { received: true, outcome: 'ignored' },
    });
    expect(await countRows('events')).toBe(events);
  });

  it('lists the caller’s purchases and refunds, and only theirs', async () => {
    const history = (await t.request('/v1/credits/purchases', { user: 'frank' })).body;
    expect(history.purchases).toHaveLength(2);
    expect(history.purchases[1]).toMatchObject({
      pack: '10',
      credits: 10,
      amountUsd: 5,
      currency: 'usd',
      status: 'paid',
      refundedUsd: 5,
      creditsTakenBack: 10,
    });
    expect(history.entries.map((e: { kind: string }) => e.kind)).toEqual(['purchase', 'refund', 'purchase']);
    expect(history.entries[1]).toMatchObject({ kind: 'refund', credits: -10, debtChange: 8, amountUsd: 5 });
    const admin = (await t.request('/v1/admin/users/frank/purchases')).body;
    expect(admin).toEqual(history);
    const none = (await t.request('/v1/credits/purchases', { user: 'nobody' })).body;
    expect(none).toEqual({ purchases: [], entries: [], debtCredits: 0 });
  });

  it('shows revenue per day next to the provider spend, and the margin', async () => {
    await waitUntilCaughtUp(t.app.get(ProjectionRunners).runner(REVENUE_PROJECTION));
    const days = (await t.request('/v1/admin/analytics/daily?from=2026-11-25&to=2026-11-27')).body.days;
    // 25th: $5 packs of alice, bob, carol, henry and erin; half of henry's and all of erin's refunded. 26th: frank's pack, refunded.
    // 27th: frank's second pack, and gina's $20 pack whose $10 dispute was taken back, then won.
    expect(days.map((d: { date: string; revenueUsd: number }) => [d.date, d.revenueUsd])).toEqual([
      ['2026-11-25', 17.5],
      ['2026-11-26', 0],
      ['2026-11-27', 25],
    ]);
    for (const day of days) expect(day.marginUsd).toBeCloseTo(day.revenueUsd - day.spendUsd, 6);
    const summary = (await t.request('/v1/admin/analytics/summary?from=2026-11-25&to=2026-11-27')).body;
    expect(summary.revenueUsd).toBe(42.5);
    expect(summary.marginUsd).toBeCloseTo(42.5 - summary.spendUsd, 6);
  });

  it('replay rebuilds the same balances, debts, purchases and revenue as the live rows', async () => {
    const revenue = await t.database.query('SELECT * FROM analytics_daily_revenue ORDER BY day, currency');
    const before = await t.database.query('SELECT * FROM account_balances ORDER BY user_id');
    const purchases = await t.database.query('SELECT * FROM credit_checkouts ORDER BY session_id');
    const rebuilt = await t.request('/v1/admin/projections/rebuild', { method: 'POST', json: { verify: true } });
    expect(rebuilt.status).toBe(200);
    const names = rebuilt.body.projections.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['account_balances', 'credit_purchases']));
    expect(rebuilt.body.projections.every((p: { matches: boolean }) => p.matches)).toBe(true);
    expect(await t.database.query('SELECT * FROM account_balances ORDER BY user_id')).toEqual(before);
    expect(await t.database.query('SELECT * FROM credit_checkouts ORDER BY session_id')).toEqual(purchases);
    expect(names).toContain(REVENUE_PROJECTION);
    expect(await t.database.query('SELECT * FROM analytics_daily_revenue ORDER BY day, currency')).toEqual(revenue);
  });
});
