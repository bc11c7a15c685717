import { FAKE_CREDENTIALS, startFakeStripe, type FakeStripe } from '../fakes';
import { startTestApp, type TestApp } from '../support/test-app';

const SECRET_KEY = FAKE_CREDENTIALS.stripeSecretKey;
const WEBHOOK_SECRET = FAKE_CREDENTIALS.stripeWebhookSecret;

describe('checkout over HTTP with the Stripe SDK against the fake Stripe', () => {
  let stripe: FakeStripe;
  let t: TestApp;
  beforeAll(async () => {
    stripe = await startFakeStripe({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
    t = await startTestApp({
      env: {
        CREDIT_PACKS: '10:5.00,50:20.00',
        STRIPE_SECRET_KEY: SECRET_KEY,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_BASE: stripe.url,
        CHECKOUT_SUCCESS_URL: 'https://shop.example/thanks?session={CHECKOUT_SESSION_ID}',
        CHECKOUT_CANCEL_URL: 'https://shop.example/cancelled',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  it('opens a payment session for the pack, for the caller, and records it on the account', async () => {
    const response = await t.request('/v1/credits/checkout', { method: 'POST', user: 'buyer-1', json: { pack: '50' } });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      checkoutUrl: expect.stringContaining('/c/pay/cs_test_'),
      sessionId: expect.stringMatching(/^cs_test_/),
    });
    const session = stripe.session(response.body.sessionId);
    expect(session).toMatchObject({
      mode: 'payment',
      client_reference_id: 'buyer-1',
      metadata: { userId: 'buyer-1', packId: '50' },
      amount_total: 2000,
      currency: 'usd',
      success_url: 'https://shop.example/thanks?session={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://shop.example/cancelled',
    });
    const call = stripe.requests.find((r) => r.path === '/v1/checkout/sessions');
    expect(call?.headers['idempotency-key']).toMatch(/^genledger-checkout:buyer-1:/);
    const events = await t.request('/v1/admin/users/buyer-1/events');
    expect(events.body.events.map((e: { type: string }) => e.type)).toEqual(['CheckoutStarted']);
    expect(events.body.events[0].data).toMatchObject({
      sessionId: session.id,
      packId: '50',
      credits: 50,
      amountMicros: 20_000_000,
    });
  });

  it('answers the same session for a retried request with the same Idempotency-Key', async () => {
    const send = () =>
      t.request('/v1/credits/checkout', {
        method: 'POST',
        user: 'buyer-2',
        json: { pack: '10' },
        headers: { 'idempotency-key': 'retry-me' },
      });
    const first = await send();
    const again = await send();
    expect(first.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const events = await t.request('/v1/admin/users/buyer-2/events');
    expect(events.body.events.map((e: { type: string }) => e.type)).toEqual(['CheckoutStarted']);
  });

  it('refuses the same Idempotency-Key for another pack with 422, recording nothing more', async () => {
    const send = (pack: string) =>
      t.request('/v1/credits/checkout', {
        method: 'POST',
        user: 'buyer-6',
        json: { pack },
        headers: { 'idempotency-key': 'one-key' },
      });
    expect((await send('10')).status).toBe(201);
    const other = await send('50');
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    const events = await t.request('/v1/admin/users/buyer-6/events');
    expect(events.body.events.map((e: { type: string }) => e.type)).toEqual(['CheckoutStarted']);
  });

  it('refuses an unknown pack naming the field, without calling Stripe', async () => {
    const before = stripe.sessionCount;
    const response = await t.request('/v1/credits/checkout', { method: 'POST', user: 'buyer-3', json: { pack: '7' } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.errors).toEqual([{ field: 'pack', message: 'must be one of 10, 50' }]);
    expect(stripe.sessionCount).toBe(before);
  });

  it('answers 502 when Stripe fails, and records nothing', async () => {
    stripe.failNext({ kind: 'status', status: 500 }, 3);
    const response = await t.request('/v1/credits/checkout', { method: 'POST', user: 'buyer-4', json: { pack: '10' } });
    expect(response.status).toBe(502);
    expect(response.body.code).toBe('payment_provider_failed');
    const events = await t.request('/v1/admin/users/buyer-4/events');
    expect(events.body.events).toEqual([]);
  });
});

describe('checkout without Stripe configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ embedded: true });
  });
  afterAll(async () => t.close());

  it('answers 503 purchases_disabled and writes nothing', async () => {
    const response = await t.request('/v1/credits/checkout', { method: 'POST', user: 'buyer-5', json: { pack: '10' } });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(response.body.code).toBe('purchases_disabled');
    expect(response.body.detail).toMatch(/STRIPE_SECRET_KEY/);
    const events = await t.request('/v1/admin/users/buyer-5/events');
    expect(events.body.events).toEqual([]);
  });
});
