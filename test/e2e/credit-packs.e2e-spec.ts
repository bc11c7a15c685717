import { startTestApp, type TestApp } from '../support/test-app';

describe('credit packs over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        CREDIT_PACKS: '10:5.00,pro=50:19.99',
        CREDIT_CURRENCY: 'EUR',
        STRIPE_SECRET_KEY: 'sk_test_packs_only',
        STRIPE_WEBHOOK_SECRET: 'whsec_packs_only',
      },
    });
  });
  afterAll(async () => t.close());

  it('lists the configured packs with integer credits and their price', async () => {
    const response = await t.request('/v1/credits/packs', { user: 'shopper' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      packs: [
        { id: '10', credits: 10, priceUsd: 5, currency: 'eur' },
        { id: 'pro', credits: 50, priceUsd: 19.99, currency: 'eur' },
      ],
    });
  });

  it('answers only an authenticated caller', async () => {
    const response = await t.request('/v1/credits/packs');
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('unauthorized');
  });
});

describe('credit packs without Stripe', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ embedded: true });
  });
  afterAll(async () => t.close());

  it('lists none: nothing can be bought while purchases are disabled', async () => {
    const response = await t.request('/v1/credits/packs', { user: 'shopper' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ packs: [] });
  });
});
