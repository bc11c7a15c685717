import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { FakeClock } from '../../src/common/clock';
import { startAllFakes, type AllFakes } from '../fakes';
import { launchChromium } from '../support/browser';
import { startTestApp, type TestApp } from '../support/test-app';

const OUTPUT = join(process.cwd(), 'test-output', 'user-page');

/** A port free right now, so that local media URLs (`PUBLIC_BASE_URL`) can name the app's own address. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Every page error and console error, and any request that leaves this service. */
function watch(page: Page, origin: string): { errors: string[]; foreign: string[] } {
  const seen = { errors: [] as string[], foreign: [] as string[] };
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('console', (message) => {
    // Chromium logs every answer of 400 and above; the answers themselves are checked by the test.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      seen.errors.push(message.text());
  });
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:')) seen.foreign.push(url);
  });
  return seen;
}

async function signIn(page: Page, url: string, user: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-state="gate"]');
  await page.fill('#credential', user);
  await page.press('#credential', 'Enter');
  await page.waitForSelector('body[data-state="ready"]');
}

/**
 * Types the prompt and presses Generate; resolves once the page shows the answer, with whether
 * the button was busy (disabled, `aria-busy`) meanwhile, seen by an observer of its attributes.
 */
async function generate(page: Page, prompt: string): Promise<string> {
  await page.fill('#prompt', prompt);
  await page.evaluate(() => {
    const win = globalThis as any;
    const button = win.document.querySelector('#generate');
    win.busySeen = false;
    win.busyObserver?.disconnect();
    win.busyObserver = new win.MutationObserver(() => {
      if (button.disabled && button.getAttribute('aria-busy') === 'true') win.busySeen = true;
    });
    win.busyObserver.observe(button, { attributes: true });
  });
  await page.click('#generate');
  await page.waitForSelector('body[data-state="generated"], body[data-state="problem"]');
  expect(await page.evaluate(() => (globalThis as any).busySeen)).toBe(true);
  expect(await page.isEnabled('#generate')).toBe(true);
  return (await page.getAttribute('body', 'data-state')) ?? '';
}

const text = async (page: Page, selector: string): Promise<string> => (await page.textContent(selector)) ?? '';

describe.each([
  ['the embedded default (PGlite, local provider, local media)', { embedded: true, fakes: false }],
  ['PostgreSQL when the run has it, with the OpenAI, fal.ai and Cloudinary fakes', { embedded: false, fakes: true }],
])('GET / in headless Chromium on %s', (_, variant) => {
  const clock = new FakeClock('2026-12-02T15:00:00Z');
  const label = variant.fakes ? 'fakes' : 'embedded';
  let fakes: AllFakes | undefined;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    fakes = variant.fakes ? await startAllFakes() : undefined;
    const port = await freePort();
    t = await startTestApp({
      env: { ...fakes?.env, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
      clock,
      embedded: variant.embedded,
      port,
    });
    browser = (await launchChromium()).browser;
    mkdirSync(OUTPUT, { recursive: true });
  }, 120_000);

  beforeEach(async () => {
    context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
      timezoneId: 'America/New_York',
      locale: 'en-US',
    });
  });

  afterEach(async () => {
    await context?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fakes?.close();
  });

  it('walks a new user through the free images, the cache, the empty quota and a print, screen by screen', async () => {
    const page = await context.newPage();
    const seen = watch(page, t.url);
    const shot = (step: string) => page.screenshot({ path: join(OUTPUT, `${label}-${step}.png`), fullPage: true });
    const user = `fresh-${label}`;
    // A minute between requests, so the history's newest-first order is the order they were made.
    const generateLater = (prompt: string) => {
      clock.advance(60_000);
      return generate(page, prompt);
    };

    // 1. A fresh user: three free images, nothing spent this month.
    const response = await page.goto(t.url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await signIn(page, t.url, user);
    expect(await text(page, '#free')).toBe('3 free today');
    expect(await text(page, '#spend')).toBe('$0.00 / $100');
    expect(await text(page, '#free-reset')).toContain('Wed 19:00 your time (00:00 UTC)');
    expect(await page.isVisible('#buy')).toBe(false);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('genledger.userId'))).toBe(user);
    await shot('1-fresh-user');

    // 2. A generation: the image with its Premium badge, focus on it, one free image spent.
    expect(await generateLater('A lighthouse at dawn')).toBe('generated');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#result-image').naturalWidth > 0);
    expect(await text(page, '#result-badges')).toBe('Premium');
    expect(await page.getAttribute('#result-image', 'alt')).toBe('A lighthouse at dawn');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.id)).toBe('result');
    expect(await text(page, '#free')).toBe('2 free today');
    const facts = await text(page, '#result-facts');
    expect(facts).toContain(variant.fakes ? 'Cost $0.040 · provider openai (dall-e-3)' : 'Cost $0.00 · provider local');
    expect(facts).toContain('charged: a free image');
    expect(await page.$$('#history li')).toHaveLength(1);
    await shot('2-generated');

    // 3. The same prompt, spaced and cased otherwise: served from the cache, nothing spent.
    expect(await generateLater('  a LIGHTHOUSE   at   dawn ')).toBe('generated');
    expect(await text(page, '#result-badges')).toBe(`PremiumCached · saved ${variant.fakes ? '$0.040' : '$0.00'}`);
    expect(await text(page, '#result-facts')).toContain('charged: nothing');
    expect(await text(page, '#free')).toBe('2 free today');
    await shot('3-cached');

    // 4. Two more, then a fourth: the free images are used up, and that one charges nothing.
    expect(await generateLater('a red fox in the snow')).toBe('generated');
    expect(await text(page, '#free')).toBe('1 free today');
    expect(await generateLater('a paper boat on a pond')).toBe('generated');
    expect(await text(page, '#free')).toBe('0 free today');
    const before = (await t.request('/v1/admin/budget')).body;
    expect(await generateLater('a castle in the fog')).toBe('problem');
    const message = await text(page, '#message');
    expect(message).toContain('Your 3 free images for today are used up.');
    expect(message).toContain('They come back Wed 19:00 your time (00:00 UTC).');
    expect(message).toContain('Nothing was charged.');
    expect(await text(page, '#free')).toBe('0 free today');
    const credits = (await t.request('/v1/credits', { user })).body;
    expect(credits).toMatchObject({ freeRemainingToday: 0, paidCredits: 0, reservedCredits: 0 });
    const after = (await t.request('/v1/admin/budget')).body;
    expect(after.spendUsd + after.reservedUsd + after.unknownUsd).toBe(
      before.spendUsd + before.reservedUsd + before.unknownUsd,
    );
    const listed = (await t.request('/v1/generations?limit=100', { user })).body.items;
    expect(listed.map((g: any) => g.prompt)).not.toContain('a castle in the fog');
    const prompts = await page.$$eval('#history li .prompt', (nodes: any[]) => nodes.map((n) => n.textContent));
    expect(prompts).toHaveLength(4);
    expect([prompts[0], prompts[1], prompts[3]]).toEqual([
      'a paper boat on a pond',
      'a red fox in the snow',
      'A lighthouse at dawn',
    ]);
    await shot('4-out-of-free-images');

    // 5. Select the first image for print at 24 x 12 in: a 3600 x 1800 image and a one-page PDF.
    const first = listed.find((g: any) => g.prompt === 'A lighthouse at dawn');
    const card = `#history li[data-id="${first.id}"]`;
    await page.click(`${card} >> text=Select for print`);
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.name)).toBe('width');
    await page.fill(`${card} input[name=width]`, '24');
    await page.fill(`${card} input[name=height]`, '12');
    await page.click(`${card} >> text=Make print files`);
    await page.waitForSelector(`${card} .links a`);
    const links = await page.$$eval(`${card} .links a`, (anchors: any[]) =>
      anchors.map((a) => ({ href: a.href, text: a.textContent })),
    );
    expect(links.map((l) => l.text)).toEqual(['Print image 3600 x 1800 px (150 DPI)', 'PDF 24 x 12 in']);
    const [image, pdf] = await Promise.all(links.map((l) => fetch(l.href)));
    expect([image.status, pdf.status]).toEqual([200, 200]);
    const metadata = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
    expect([metadata.width, metadata.height, metadata.density]).toEqual([3600, 1800, 150]);
    const document = await PDFDocument.load(await pdf.arrayBuffer());
    expect(document.getPageCount()).toBe(1);
    expect(document.getPage(0).getSize()).toEqual({ width: 24 * 72, height: 12 * 72 });
    await shot('5-print-files');

    // 6. Every step left its screenshot.
    for (const step of ['1-fresh-user', '2-generated', '3-cached', '4-out-of-free-images', '5-print-files'])
      expect(existsSync(join(OUTPUT, `${label}-${step}.png`))).toBe(true);
    expect(seen.errors).toEqual([]);
    expect(variant.fakes ? seen.foreign.every((url) => url.startsWith(fakes!.cloudinary.url)) : seen.foreign).toEqual(
      variant.fakes ? true : [],
    );
  }, 120_000);
});

describe('the README shows the page', () => {
  it('with a committed screenshot', () => {
    const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
    const [, path] = /!\[[^\]]*\]\((docs\/[^)]+\.png)\)/.exec(readme) ?? [];
    expect(path).toBe('docs/user-page.png');
    expect(existsSync(join(process.cwd(), path))).toBe(true);
  });
});
