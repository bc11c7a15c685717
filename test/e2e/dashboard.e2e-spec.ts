import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AlertRulesRunner } from '../../src/alerts/rules/alert-rules.runner';
import { FakeClock } from '../../src/common/clock';
import { ProjectionRunners } from '../../src/event-store/projection-runners';
import { ALL_PROJECTIONS } from '../../src/projections';
import { startAllFakes, type AllFakes } from '../fakes';
import { launchChromium } from '../support/browser';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitUntilCaughtUp } from '../support/wait-until-caught-up';

const ADMIN_TOKEN = 'dashboard-admin-token-0123456789';
const OUTPUT = join(process.cwd(), 'test-output');

/** The colour of each chart's series (the colours in dashboard.plot.ts), in legend order. */
const SERIES_COLORS: Record<string, string[]> = {
  spend: ['#38bdf8', '#a78bfa', '#f87171'],
  tiers: ['#a78bfa', '#2dd4bf'],
  cache: ['#fbbf24', '#34d399'],
  charges: ['#60a5fa', '#f472b6'],
};

/** Non-transparent pixels of a chart's canvas, as a share of its area. */
async function inkOf(page: Page, chart: string): Promise<number> {
  return page.$eval(`[data-chart="${chart}"] canvas`, (canvas: any) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let inked = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked += 1;
    return inked / (canvas.width * canvas.height);
  });
}

/**
 * Pixels of a chart's plotting area (inside the axes, so neither labels nor the transparent
 * background count; grid lines are faint and never match) that a series drew in its colour.
 */
async function pixelsIn(page: Page, chart: string, color: string): Promise<number> {
  return page.$eval(
    `[data-chart="${chart}"]`,
    (section: any, hex: string) => {
      const canvas = section.querySelector('canvas');
      const plot = section.querySelector('.u-over').getBoundingClientRect();
      const box = canvas.getBoundingClientRect();
      const scale = canvas.width / box.width;
      const region = canvas
        .getContext('2d')
        .getImageData(
          Math.round((plot.left - box.left) * scale),
          Math.round((plot.top - box.top) * scale),
          Math.round(plot.width * scale),
          Math.round(plot.height * scale),
        );
      const want = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
      let matching = 0;
      for (let i = 0; i < region.data.length; i += 4) {
        const near = want.every((value, channel) => Math.abs(region.data[i + channel] - value) <= 24);
        if (near && region.data[i + 3] >= 96) matching += 1;
      }
      return matching;
    },
    color,
  );
}

describe('GET /dashboard in headless Chromium', () => {
  const clock = new FakeClock('2026-11-01T10:00:00Z');
  let fakes: AllFakes;
  let t: TestApp;
  let browser: Browser;

  const admin = (path: string, init: { method?: string; json?: unknown } = {}) =>
    t.request(path, { ...init, admin: ADMIN_TOKEN });
  const generate = async (user: string, json: Record<string, unknown>) => {
    const response = await t.request('/v1/generations', { method: 'POST', user, json });
    if (response.status !== 201)
      throw new Error(`${user} ${JSON.stringify(json)}: ${response.status} ${response.text}`);
    clock.advance(7 * 60_000);
  };

  /**
   * Two weeks of traffic with a $2 cap: Premium spend passes it in the second week, after which
   * Premium requests are served by Standard. Cache hits every day, paid credits every other day,
   * one provider failure.
   */
  beforeAll(async () => {
    fakes = await startAllFakes();
    t = await startTestApp({ env: { ...fakes.env, ADMIN_TOKEN }, clock });
    expect((await admin('/v1/admin/budget', { method: 'PUT', json: { capUsd: 2 } })).status).toBe(200);
    expect(
      (await admin('/v1/admin/users/ana/credits', { method: 'POST', json: { credits: 20, reason: 'purchase' } }))
        .status,
    ).toBe(201);
    for (let day = 1; day <= 14; day++) {
      clock.set(`2026-11-${String(day).padStart(2, '0')}T08:00:00Z`);
      for (let n = 0; n < 3; n++) await generate('ana', { prompt: `sunrise over hill ${day}-${n}` });
      if (day % 2 === 0) await generate('ana', { prompt: `paid extra ${day}` });
      await generate('ben', { prompt: `panorama of a bay ${day}`, aspectRatio: '16:9', quality: 'hd' });
      await generate('ben', { prompt: `pencil sketch ${day}`, tier: 'standard' });
      await generate('cleo', { prompt: `sunrise over hill ${day}-0` });
      if (day % 3 !== 0) await generate('cleo', { prompt: `sunrise over hill ${day}-1` });
      await generate(`visitor-${day}`, { prompt: `app icon ${day}`, tier: 'standard' });
      if (day === 9) {
        fakes.fal.failNext({ kind: 'status', status: 500 }, 20);
        expect(
          (
            await t.request('/v1/generations', {
              method: 'POST',
              user: 'dev',
              json: { prompt: 'doomed', tier: 'standard' },
            })
          ).status,
        ).toBe(502);
        fakes.reset();
      }
    }
    const runners = t.app.get(ProjectionRunners);
    for (const projection of ALL_PROJECTIONS.filter((p) => p.kind === 'async'))
      await waitUntilCaughtUp(runners.runner(projection.name));
    await waitUntilCaughtUp(t.app.get(AlertRulesRunner).runner);
    browser = (await launchChromium()).browser;
    mkdirSync(OUTPUT, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fakes?.close();
  });

  it('asks for the token, then draws every chart with data from this service alone, without a console error', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors: string[] = [];
    const foreign: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(`${t.url}/`) && !request.url().startsWith('data:')) foreign.push(request.url());
    });

    const response = await page.goto(`${t.url}/dashboard`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('body[data-state="gate"]');
    expect(await page.isVisible('#board')).toBe(false);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#unlock');
    await page.waitForSelector('body[data-state="ready"]');

    const summary = (await admin('/v1/admin/analytics/summary')).body;
    expect(summary.generations).toBeGreaterThan(50);
    const kpis = await page.$$eval('.kpi', (cards: any[]) => cards.map((card) => card.textContent));
    expect(kpis).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`Generations${summary.generations}`),
        expect.stringContaining(`Users${summary.uniqueUsers}`),
        // No credits were sold here: no revenue, and the margin is the provider spend, negative.
        expect.stringMatching(/^Revenue\$0\.00margin -\$[\d.,]+ after provider cost$/),
      ]),
    );

    const expectedSeries: Record<string, number> = { spend: 3, tiers: 2, cache: 2, charges: 2 };
    for (const [chart, series] of Object.entries(expectedSeries)) {
      const section = `[data-chart="${chart}"]`;
      expect(await page.getAttribute(section, 'data-series')).toBe(String(series));
      expect(await page.getAttribute(section, 'data-points')).toBe('30');
      expect(Number(await page.getAttribute(section, 'data-total'))).toBeGreaterThan(0);
      // uPlot's legend has a row per series plus one for the x axis.
      expect(await page.$$eval(`${section} .u-legend .u-series`, (rows: unknown[]) => rows.length)).toBe(series + 1);
      expect(await inkOf(page, chart)).toBeGreaterThan(0.02);
      for (const color of SERIES_COLORS[chart]) expect(await pixelsIn(page, chart, color)).toBeGreaterThan(200);
    }
    const tierCharts = (await page.getAttribute('[data-chart="tiers"]', 'data-total')) ?? '';
    expect(Number(tierCharts)).toBe(summary.generations);
    expect(await page.textContent('#tier')).toMatch(/^Standard only since Nov \d+, \d\d:\d\d UTC$/);
    expect(await page.textContent('#tier-events')).toMatch(/Premium downgraded to Standard at Nov \d+/);
    // No ALERT_WEBHOOK_URL here: the month's alerts are listed, recorded and not sent.
    const alerts = await page.$$eval('#alerts li', (items: any[]) => items.map((item) => item.textContent));
    expect(alerts).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Nov \d+, \d\d:\d\d UTC · Spend \$1\.\d+ reached 50% of the \$2\.00 cap · pending$/),
        expect.stringMatching(/ · Spend \$2\.\d+ reached 100% of the \$2\.00 cap · pending$/),
        expect.stringMatching(/ · Premium downgraded to Standard · pending$/),
      ]),
    );
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('genledger.adminToken'))).toBe(
      ADMIN_TOKEN,
    );

    await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });

    await page.click('#prev');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#month').value === '2026-10');
    expect(await page.textContent('#empty')).toContain('No generations yet');
    expect(await page.textContent('#empty')).toContain('from Oct 1 to Oct 31 (UTC)');
    expect(await page.isVisible('#charts')).toBe(false);
    expect(await page.textContent('#tier')).toBe('Premium available');
    expect(await page.textContent('#alerts')).toBe('No alerts this month');
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await context.close();
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
    });
    const page = await context.newPage();
    await page.goto(`${t.url}/dashboard`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#unlock');
    await page.waitForSelector('body[data-state="ready"]');
    const overflow = await page.evaluate(() => {
      const root = (globalThis as any).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await inkOf(page, 'spend')).toBeGreaterThan(0.02);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-phone.png'), fullPage: true });
    await context.close();
  });

  it('a wrong token shows the rejection, keeps the figures hidden and forgets the token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${t.url}/dashboard`);
    await page.fill('#token', 'not-the-admin-token');
    await page.click('#unlock');
    await page.waitForSelector('body[data-state="rejected"]');
    expect(await page.textContent('#gate-message')).toContain(
      'The admin token was refused (403: This token may not make admin calls)',
    );
    expect(await page.isVisible('#board')).toBe(false);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('genledger.adminToken'))).toBeNull();
    await context.close();
  });

  it('serves uPlot and its own assets from this service, and refuses other asset names', async () => {
    const script = await t.request('/dashboard/assets/uplot.min.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.text).toContain('uPlot');
    expect((await t.request('/dashboard/assets/dashboard.js')).text).toMatch(/^\(function dashboardClient\(win, /);
    expect((await t.request('/dashboard/assets/..%2F..%2Fpackage.json')).status).toBe(404);
    expect((await t.request('/v1/admin/analytics/dashboard')).status).toBe(401);
  });
});

/** Three users, a dozen generations, all on the first UTC day of a month: what a new operator sees. */
describe('GET /dashboard on the first day of use', () => {
  const clock = new FakeClock('2026-12-01T09:00:00Z');
  let fakes: AllFakes;
  let t: TestApp;
  let browser: Browser;

  const generate = async (user: string, json: Record<string, unknown>) => {
    const response = await t.request('/v1/generations', { method: 'POST', user, json });
    if (response.status !== 201)
      throw new Error(`${user} ${JSON.stringify(json)}: ${response.status} ${response.text}`);
    clock.advance(11 * 60_000);
  };

  beforeAll(async () => {
    fakes = await startAllFakes();
    t = await startTestApp({ env: { ...fakes.env, ADMIN_TOKEN }, clock });
    const grant = await t.request('/v1/admin/users/ana/credits', {
      method: 'POST',
      admin: ADMIN_TOKEN,
      json: { credits: 5, reason: 'purchase' },
    });
    expect(grant.status).toBe(201);
    for (let n = 0; n < 5; n++) await generate('ana', { prompt: `harbour at night ${n}` });
    await generate('ben', { prompt: 'panorama of a bay', aspectRatio: '16:9', quality: 'hd' });
    await generate('ben', { prompt: 'pencil sketch of a fox', tier: 'standard' });
    await generate('ben', { prompt: 'app icon, a paper boat', tier: 'standard' });
    for (let n = 0; n < 4; n++) await generate('cleo', { prompt: `harbour at night ${n}` });
    const runners = t.app.get(ProjectionRunners);
    for (const projection of ALL_PROJECTIONS.filter((p) => p.kind === 'async'))
      await waitUntilCaughtUp(runners.runner(projection.name));
    await waitUntilCaughtUp(t.app.get(AlertRulesRunner).runner);
    browser = (await launchChromium()).browser;
    mkdirSync(OUTPUT, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fakes?.close();
  });

  it('draws every series of one day visibly, and shows an empty month as "No generations yet"', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${t.url}/dashboard`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#unlock');
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.inputValue('#month')).toBe('2026-12');

    const summary = (await t.request('/v1/admin/analytics/summary', { admin: ADMIN_TOKEN })).body;
    expect(summary).toMatchObject({ generations: 8, cacheHits: 4, uniqueUsers: 3, paidGenerations: 2 });
    expect(await page.isVisible('#empty')).toBe(false);
    // Every series, each with one point (or one bar) in the month, in its own colour.
    const faint: string[] = [];
    for (const [chart, colors] of Object.entries(SERIES_COLORS)) {
      expect(await page.getAttribute(`[data-chart="${chart}"]`, 'data-points')).toBe('31');
      for (const color of colors) {
        const pixels = await pixelsIn(page, chart, color);
        if (pixels < 20) faint.push(`${chart} ${color}: ${pixels} pixels`);
      }
    }
    await page.screenshot({ path: join(OUTPUT, 'dashboard-first-day.png'), fullPage: true });
    expect(faint).toEqual([]);

    await page.click('#prev');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#month').value === '2026-11');
    await page.waitForSelector('#empty:not([hidden])');
    expect(await page.textContent('#empty')).toContain('No generations yet');
    expect(await page.isVisible('#charts')).toBe(false);
    expect(await page.$$('[data-chart] canvas')).toHaveLength(0);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-empty-month.png'), fullPage: true });

    await page.click('#next');
    await page.waitForSelector('#empty[hidden]', { state: 'attached' });
    expect(await pixelsIn(page, 'tiers', '#a78bfa')).toBeGreaterThanOrEqual(20);
    expect(errors).toEqual([]);
    await context.close();
  });
});
