import { mkdtempSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { FakeClock } from '../../src/common/clock';
import type { Database } from '../../src/database/database';
import { openTestDatabase, startTestApp, type TestApp, type TestResponse } from '../support/test-app';

/**
 * Prints of about 8 in a side (1200 px) render in tens of milliseconds: long enough to be seen
 * rendering, short enough for the suite. Every count asserted below follows from the limits, not
 * from how fast this machine renders.
 */
const sizes = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ widthInches: 8 + i / 100, heightInches: 8 }));

const PROBLEM_OF_STATUS: Record<number, string> = {
  409: 'print_sizes_exhausted',
  429: 'rate_limited',
  503: 'print_busy',
};

async function generate(t: TestApp, user: string, prompt: string): Promise<{ id: string; image: { url: string } }> {
  const response = await t.request('/v1/generations', { method: 'POST', user, json: { prompt } });
  expect(response.status).toBe(201);
  return response.body;
}

function select(t: TestApp, user: string, id: string, json: unknown): Promise<TestResponse> {
  return t.request(`/v1/generations/${id}/selection`, { method: 'POST', user, json });
}

async function printFiles(t: TestApp, generationId: string): Promise<string[]> {
  return readdir(join(t.config.dataDir, 'media', 'prints', generationId)).catch(() => []);
}

async function printEvents(t: TestApp, user: string): Promise<Array<{ data: { printImage: { width: number } } }>> {
  const { events } = (await t.request(`/v1/admin/users/${user}/events`)).body;
  return events.filter((event: { type: string }) => event.type === 'PrintAssetsProduced');
}

/** The most sharp pipelines at once (running or waiting for a thread), sampled every millisecond. */
function watchSharp(): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => {
    const { queue, process } = sharp.counters();
    peak = Math.max(peak, queue + process);
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

interface Latencies {
  readonly media: number[];
  readonly credits: number[];
}

/** Whether sharp has a pipeline running or waiting for a thread: a print is rendering. */
function rendering(): boolean {
  const { queue, process } = sharp.counters();
  return queue + process > 0;
}

/**
 * `GET /media/...` (the whole file) and `GET /v1/credits`, one after the other, timed; with
 * `onlyWhileRendering`, a call counts only when it started while a print was rendering.
 */
async function probeOnce(
  t: TestApp,
  mediaPath: string,
  user: string,
  into: Latencies,
  onlyWhileRendering = false,
): Promise<void> {
  let counts = !onlyWhileRendering || rendering();
  let started = performance.now();
  const media = await t.request(mediaPath);
  if (counts) into.media.push(performance.now() - started);
  expect(media.status).toBe(200);
  counts = !onlyWhileRendering || rendering();
  started = performance.now();
  const credits = await t.request('/v1/credits', { user });
  if (counts) into.credits.push(performance.now() - started);
  expect(credits.status).toBe(200);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe('print work under a burst (PRINT_CONCURRENCY 1, a queue of 2, 5 sizes a generation)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        PRINT_CONCURRENCY: '1',
        PRINT_QUEUE_LENGTH: '2',
        PRINT_SIZES_PER_GENERATION: '5',
        PRINT_RATE_LIMIT_PER_MINUTE: '1000',
      },
    });
  });
  afterAll(async () => t.close());

  it('renders one at a time, answers the rest 503 with Retry-After or 409 past the sizes, never a conflict, and keeps /media and /v1/credits prompt', async () => {
    const generation = await generate(t, 'burst', 'a field of poppies');
    const mediaPath = new URL(generation.image.url).pathname;
    const baseline: Latencies = { media: [], credits: [] };
    for (let round = 0; round < 30; round++) await probeOnce(t, mediaPath, 'burst', baseline);

    const sharpAtOnce = watchSharp();
    let settled = false;
    const burst = Promise.all(sizes(20).map((size) => select(t, 'burst', generation.id, size))).finally(() => {
      settled = true;
    });
    const during: Latencies = { media: [], credits: [] };
    while (!settled) await probeOnce(t, mediaPath, 'burst', during, true);
    const answers = await burst;
    const peakPipelines = sharpAtOnce.stop();

    expect(peakPipelines).toBe(1);
    for (const answer of answers) {
      if (answer.status === 201) continue;
      expect({ status: answer.status, code: answer.body.code }).toEqual({
        status: answer.status,
        code: PROBLEM_OF_STATUS[answer.status],
      });
      if (answer.status !== 409) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    const produced = answers.filter((answer) => answer.status === 201);
    expect(produced.length).toBeGreaterThanOrEqual(1);
    expect(produced.length).toBeLessThanOrEqual(5);

    // Files: a JPEG and a PDF for each size produced, none for a size refused.
    const files = await printFiles(t, generation.id);
    expect(files.sort()).toEqual(
      produced
        .flatMap(({ body }) => [
          `${body.printImage.width}x${body.printImage.height}.jpg`,
          `${body.printImage.width}x${body.printImage.height}.pdf`,
        ])
        .sort(),
    );
    expect(await printEvents(t, 'burst')).toHaveLength(produced.length);

    // Ratios against the same calls made before, without renders. A /media read that has to
    // wait for a thread behind renders takes whole renders (25-30 times its usual time here).
    expect(during.media.length).toBeGreaterThan(0);
    expect(during.credits.length).toBeGreaterThan(0);
    // Under 10x leaves room for a loaded machine and still fails a read queued behind a render.
    expect(median(during.media) / median(baseline.media)).toBeLessThan(10);
    expect(median(during.credits) / median(baseline.credits)).toBeLessThan(10);
  });
});

describe('print sizes per generation', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A queue long enough for all: only the size bound refuses.
    t = await startTestApp({
      env: { PRINT_QUEUE_LENGTH: '20', PRINT_SIZES_PER_GENERATION: '5', PRINT_RATE_LIMIT_PER_MINUTE: '1000' },
    });
  });
  afterAll(async () => t.close());

  it('produces exactly 5 of 20 concurrent distinct sizes and answers the other 15 with 409 print_sizes_exhausted', async () => {
    const generation = await generate(t, 'sizes', 'a lighthouse');

    const answers = await Promise.all(sizes(20).map((size) => select(t, 'sizes', generation.id, size)));

    const produced = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status === 409);
    expect([produced.length, refused.length]).toEqual([5, 15]);
    const producedSizes = produced.map(({ body }) => ({ widthInches: body.pdf.widthInches, heightInches: 8 }));
    for (const { body } of refused) {
      expect(body.code).toBe('print_sizes_exhausted');
      expect(body.maxSizes).toBe(5);
      expect(body.sizes).toEqual(expect.arrayContaining(producedSizes));
      expect(body.sizes).toHaveLength(5);
    }
    expect(await printFiles(t, generation.id)).toHaveLength(10);

    // A size it has still answers; a new one is refused before anything is rendered.
    const again = await select(t, 'sizes', generation.id, producedSizes[0]);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(produced[0].body);
    const sixth = await select(t, 'sizes', generation.id, { widthInches: 30, heightInches: 10 });
    expect(sixth.status).toBe(409);
    expect(sixth.body.code).toBe('print_sizes_exhausted');
    expect(sixth.body.detail).toMatch(/already has 5 print sizes, the most one generation may have/);
    expect(await printFiles(t, generation.id)).toHaveLength(10);
    expect(await printEvents(t, 'sizes')).toHaveLength(5);
  });
});

describe('print selections across two replicas', () => {
  let database: Database;
  let first: TestApp;
  let second: TestApp;
  // Rate-limit windows are fixed minutes: a pinned clock keeps the requests inside one of them.
  const clock = new FakeClock('2026-11-25T12:00:10Z');
  beforeAll(async () => {
    database = await openTestDatabase({ label: 'printreplicas' });
    const env = {
      // Replicas with local media share its directory (as they would a volume).
      DATA_DIR: mkdtempSync(join(tmpdir(), 'genledger-print-replicas-')),
      PRINT_RATE_LIMIT_PER_MINUTE: '4',
      PRINT_QUEUE_LENGTH: '20',
      PRINT_SIZES_PER_GENERATION: '5',
    };
    first = await startTestApp({ database, clock, env });
    second = await startTestApp({ database, clock, env });
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await database.close();
  });

  it('shares the per-user limit: 6 concurrent selections on two replicas, 4 produced, 2 answered 429 with nothing written, none in conflict', async () => {
    const generation = await generate(first, 'limited', 'two replicas, one user');

    const answers = await Promise.all(
      sizes(6).map((size, i) => select(i % 2 === 0 ? first : second, 'limited', generation.id, size)),
    );

    const produced = answers.filter((answer) => answer.status === 201);
    const limited = answers.filter((answer) => answer.status === 429);
    expect([produced.length, limited.length]).toEqual([4, 2]);
    for (const { body, headers } of limited) {
      expect(body.code).toBe('rate_limited');
      expect(body.detail).toMatch(/More than 4 print selections in a minute/);
      expect(Number(headers.get('retry-after'))).toBe(50);
    }
    // The generation's stream took the 4 selections one after another.
    const events = await printEvents(first, 'limited');
    expect(events).toHaveLength(4);
    expect(await printFiles(first, generation.id)).toHaveLength(8);
    const [{ claims }] = await database.query<{ claims: string }>(
      'SELECT count(*) AS claims FROM print_size_claims WHERE generation_id = $1',
      [generation.id],
    );
    expect(Number(claims)).toBe(4);

    // A size already produced is not counted; the next minute renders again.
    expect((await select(second, 'limited', generation.id, sizes(1)[0])).status).toBe(201);
    const stillLimited = await select(second, 'limited', generation.id, { widthInches: 9, heightInches: 9 });
    expect(stillLimited.status).toBe(429);
    clock.advance(50_000);
    expect((await select(second, 'limited', generation.id, { widthInches: 9, heightInches: 9 })).status).toBe(201);
  });

  it('renders a size asked for several times at once only once, counting it once against the limit of 4', async () => {
    const generation = await generate(first, 'repeater', 'one size, asked six times');

    const answers = await Promise.all(
      Array.from({ length: 6 }, () => select(first, 'repeater', generation.id, { widthInches: 8, heightInches: 4 })),
    );

    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(201));
    for (const answer of answers) expect(answer.body).toEqual(answers[0].body);
    expect(await printEvents(first, 'repeater')).toHaveLength(1);
    expect(await printFiles(first, generation.id)).toEqual(['1200x600.jpg', '1200x600.pdf']);
  });
});
