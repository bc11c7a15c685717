import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FakeClock } from '../../src/common/clock';
import { FAKE_CREDENTIALS, startAllFakes, startFakeStripe, type AllFakes, type FakeStripe } from '../fakes';
import { launchChromium } from '../support/browser';
import { startTestApp, type TestApp } from '../support/test-app';

const OUTPUT = join(process.cwd(), 'test-output', 'user-page');
const RATE_LIMIT = 4;

async function signIn(page: Page, url: string, credential: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-state="gate"]');
  await page.fill('#credential', credential);
  await page.click('#enter');
  await page.waitForSelector('body[data-state="ready"]');
}

/** Types the prompt, picks the tier, presses Generate; resolves with the page's state once it answered. */
async function generate(page: Page, prompt: string, tier = 'premium'): Promise<string> {
  await page.fill('#prompt', prompt);
  await page.selectOption('#tier', tier);
  await page.click('#generate');
  await page.waitForSelector('body[data-state="generated"], body[data-state="problem"]');
  return (await page.getAttribute('body', 'data-state')) ?? '';
}

const text = async (page: Page, selector: string): Promise<string> => (await page.textContent(selector)) ?? '';

/** The page's badges and problem messages against the real service, its provider fakes and its budget. */
describe('GET / shows the tier the budget chose and every refusal in words', () => {
  const clock = new FakeClock('2026-12-02T15:00:00Z');
  let fakes: AllFakes;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const budget = async (json: Record<string, unknown>) =>
    expect((await t.request('/v1/admin/budget', { method: 'PUT', json })).status).toBe(200);
  const creditsOf = async (user: string) => (await t.request('/v1/credits', { user })).body;

  beforeAll(async () => {
    fakes = await startAllFakes();
    t = await startTestApp({ env: { ...fakes.env, RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) }, clock });
    browser = (await launchChromium()).browser;
    mkdirSync(OUTPUT, { recursive: true });
  }, 120_000);

  beforeEach(async () => {
    clock.advance(5 * 60_000);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC', locale: 'en-US' });
    page = await context.newPage();
  });

  afterEach(async () => {
    fakes.reset();
    await context?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fakes?.close();
  });

  it('a Premium request the budget served with Standard: a Standard badge marked "downgraded", its cost and provider', async () => {
    await signIn(page, t.url, 'dora');
    expect(await generate(page, 'a heron in the reeds')).toBe('generated');
    expect(await text(page, '#result-badges')).toBe('Premium');
    await budget({ capUsd: 0.05 });
    expect(await generate(page, 'a heron in the rain')).toBe('generated');
    expect(await text(page, '#result-badges')).toBe('Standarddowngraded');
    expect(await text(page, '#result-facts')).toMatch(/^Cost \$0\.00\d · provider fal \(fal-ai\/flux\/schnell\)/);
    expect(await text(page, '#tier-now')).toBe('Premium requests are served by Standard this month');
    await page.screenshot({ path: join(OUTPUT, 'states-downgraded.png'), fullPage: true });
    await budget({ capUsd: 100 });
  });

  it('502: the provider failed and nothing was charged', async () => {
    await signIn(page, t.url, 'eli');
    fakes.fal.failNext({ kind: 'status', status: 500 }, 20);
    expect(await generate(page, 'a sketch that fails', 'standard')).toBe('problem');
    expect(await text(page, '#message')).toMatch(
      /^The image provider failed \(.+\)\. Nothing was charged\. Try again\.$/,
    );
    expect(await text(page, '#free')).toBe('3 free today');
    expect(await creditsOf('eli')).toMatchObject({ freeRemainingToday: 3, reservedCredits: 0 });
    await page.screenshot({ path: join(OUTPUT, 'states-502.png'), fullPage: true });
  });

  it('429: too many requests, with the seconds until the minute is over', async () => {
    await signIn(page, t.url, 'fern');
    for (let n = 0; n < RATE_LIMIT; n++) {
      const answer = await t.request('/v1/generations', {
        method: 'POST',
        user: 'fern',
        json: { prompt: `quick ${n}` },
      });
      expect(answer.status).not.toBe(429);
    }
    expect(await generate(page, 'one too many')).toBe('problem');
    expect(await text(page, '#message')).toMatch(
      /^Too many requests in a minute\. Try again in \d+ seconds?\. Nothing was charged\.$/,
    );
  });

  it('503 at the hard cap: the budget is used up and nothing was charged', async () => {
    await signIn(page, t.url, 'gus');
    await budget({ capUsd: 0.001, hardCapUsd: 0.001 });
    expect(await generate(page, 'a lantern past the cap', 'standard')).toBe('problem');
    expect(await text(page, '#message')).toBe(
      "This month's image budget is used up. Nothing was charged. New images are possible next month.",
    );
    expect(await creditsOf('gus')).toMatchObject({ freeRemainingToday: 3, reservedCredits: 0 });
    await budget({ capUsd: 100, hardCapUsd: null });
  });

  it('"Buy credits" stays hidden while purchases are off, and no packs are listed', async () => {
    await signIn(page, t.url, 'hal');
    // Nothing is on sale without a Stripe key: no packs are listed and a checkout is refused.
    expect((await t.request('/v1/credits/packs', { user: 'hal' })).body).toEqual({ packs: [] });
    expect(
      (await t.request('/v1/credits/checkout', { method: 'POST', user: 'hal', json: { pack: '10' } })).status,
    ).toBe(503);
    expect(await page.getAttribute('body', 'data-purchases')).toBe('off');
    expect(await page.isVisible('#buy')).toBe(false);
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
    });
    const small = await phone.newPage();
    await signIn(small, t.url, 'ivy');
    expect(await generate(small, 'a tall lighthouse on a phone', 'standard')).toBe('generated');
    await small.click('#history li >> text=Select for print');
    const overflow = await small.evaluate(() => {
      const root = (globalThis as any).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await small.screenshot({ path: join(OUTPUT, 'states-phone.png'), fullPage: true });
    await phone.close();
  });

  it('pages through the history: 12 images, then "Show older images" for the rest, newest first', async () => {
    for (let n = 0; n < 13; n++) {
      clock.advance(20_000);
      const json = { prompt: `a pond at hour ${n % 3}`, tier: 'standard' };
      expect((await t.request('/v1/generations', { method: 'POST', user: 'kim', json })).status).toBe(201);
    }
    await signIn(page, t.url, 'kim');
    expect(await page.$$('#history li')).toHaveLength(12);
    expect(await page.isVisible('#more')).toBe(true);
    await page.click('#more');
    await page.waitForSelector('#more', { state: 'hidden' });
    const ids = await page.$$eval('#history li', (items: any[]) => items.map((item) => item.dataset.id));
    const listed = (await t.request('/v1/generations?limit=100', { user: 'kim' })).body.items.map((g: any) => g.id);
    expect(ids).toEqual(listed);
    expect(ids).toHaveLength(13);
  });

  it('a service that cannot answer yet says so, with when to retry, instead of an empty page', async () => {
    // What every replica answers while its database is unreachable (README "HTTP API").
    await page.route('**/v1/credits', (route) =>
      route.fulfill({
        status: 503,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '5' },
        body: JSON.stringify({ status: 503, code: 'not_ready', title: 'Service not ready', detail: 'database' }),
      }),
    );
    await page.goto(t.url);
    await page.fill('#credential', 'lou');
    await page.click('#enter');
    await page.waitForSelector('body[data-state="error"]');
    expect(await text(page, '#message')).toBe(
      'Could not load your credits: The service is not ready (its database is not answering). ' +
        'Nothing was charged. Try again in 5 seconds.',
    );
    expect(await page.isVisible('#generate')).toBe(true);
  });

  it('works from the keyboard: Enter signs in and focuses the prompt, Enter generates, focus lands on the result', async () => {
    await page.goto(t.url);
    await page.waitForSelector('body[data-state="gate"]');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.id)).toBe('credential');
    await page.keyboard.type('max');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.id)).toBe('prompt');
    await page.keyboard.type('a kite over the dunes');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('at noon');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-state="generated"]');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.id)).toBe('result');
    expect(await page.getAttribute('#result-image', 'alt')).toBe('a kite over the dunes\nat noon');
  });

  it('serves its script and styles from this service under the same CSP, and refuses other asset names', async () => {
    const script = await t.request('/assets/app.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(script.text).toMatch(/^\(function userPageClient\(win, /);
    expect((await t.request('/assets/app.css')).headers.get('content-type')).toMatch(/^text\/css/);
    expect((await t.request('/assets/..%2F..%2Fpackage.json')).status).toBe(404);
    const dashboard = await t.request('/dashboard');
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-security-policy')).toContain('img-src data:;');
    const page = await t.request('/');
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
        `img-src 'self' data: https://res.cloudinary.com ${fakes.cloudinary.url}; ` +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('a user id the service refuses brings the form back with the reason, and forgets it', async () => {
    await page.goto(t.url);
    await page.fill('#credential', 'bad id!');
    await page.evaluate(() => (globalThis as any).document.querySelector('#credential').removeAttribute('pattern'));
    await page.click('#enter');
    await page.waitForSelector('body[data-state="rejected"]');
    expect(await text(page, '#gate-message')).toBe(
      'That user id was refused (X-User-Id must be 1-128 characters of [A-Za-z0-9._:@-]).',
    );
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('genledger.userId'))).toBeNull();
  });
});

describe('GET / with purchases on (the Stripe fake)', () => {
  let stripe: FakeStripe;
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    stripe = await startFakeStripe({
      secretKey: FAKE_CREDENTIALS.stripeSecretKey,
      webhookSecret: FAKE_CREDENTIALS.stripeWebhookSecret,
    });
    t = await startTestApp({
      env: {
        CREDIT_PACKS: '10:5.00,50:20.00',
        STRIPE_SECRET_KEY: FAKE_CREDENTIALS.stripeSecretKey,
        STRIPE_WEBHOOK_SECRET: FAKE_CREDENTIALS.stripeWebhookSecret,
        STRIPE_API_BASE: stripe.url,
      },
    });
    browser = (await launchChromium()).browser;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await stripe?.close();
  });

  it('"Buy credits" lists the packs, a pack opens its Stripe Checkout, and the return says what happened', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, t.url, 'nia');
    expect(await page.isVisible('#packs')).toBe(false);
    await page.click('#buy');
    expect(await page.getAttribute('#buy', 'aria-expanded')).toBe('true');
    expect(await page.$$eval('#pack-list button', (buttons: any[]) => buttons.map((b) => b.textContent))).toEqual([
      '10 credits for $5.00',
      '50 credits for $20.00',
    ]);
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.dataset.pack)).toBe('10');
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(`${stripe.url}/c/pay/`)),
      page.click('#pack-list button[data-pack="50"]'),
    ]);
    const sessionId = page.url().split('/').pop()!;
    expect(stripe.session(sessionId)).toMatchObject({ client_reference_id: 'nia', metadata: { packId: '50' } });

    await page.goto(`${t.url}/?checkout=cancelled`);
    await page.waitForSelector('body[data-state="ready"]');
    expect(await text(page, '#message')).toBe('Checkout was cancelled. Nothing was charged.');
    expect(new URL(page.url()).search).toBe('');
    await page.goto(`${t.url}/?checkout=success&session_id=${sessionId}`);
    await page.waitForSelector('body[data-state="ready"]');
    expect(await text(page, '#message')).toBe(
      'Thank you: the payment went through. Your credits appear here as soon as Stripe confirms it.',
    );
    await page.reload();
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.isVisible('#message')).toBe(false);
    await context.close();
  });
});

describe('GET / in JWT mode', () => {
  const SECRET = 'user-page-jwt-secret-0123456789-abcdef';
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp({
      env: { AUTH_JWT_SECRET: SECRET, ADMIN_TOKEN: 'user-page-admin-token-0123', DEFAULT_TIER: 'standard' },
    });
    browser = (await launchChromium()).browser;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('asks for a token, sends it as a bearer, names why a bad one is refused, and starts on DEFAULT_TIER', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(t.url);
    expect(await page.getAttribute('body', 'data-auth')).toBe('jwt');
    expect(await page.getAttribute('#credential', 'type')).toBe('password');
    expect(await text(page, 'label[for=credential]')).toBe('Your access token');

    await page.fill('#credential', 'not-a-jwt');
    await page.click('#enter');
    await page.waitForSelector('body[data-state="rejected"]');
    expect(await text(page, '#gate-message')).toBe(
      'That token was refused (Invalid token: malformed or unverifiable).',
    );

    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('jade')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    await page.fill('#credential', token);
    await page.click('#enter');
    await page.waitForSelector('body[data-state="ready"]');
    expect(await text(page, '#free')).toBe('3 free today');
    expect(await text(page, '#who-name')).toBe('Signed in');
    expect(await page.inputValue('#tier')).toBe('standard');
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('genledger.userToken'))).toBe(token);
    await context.close();
  });
});
