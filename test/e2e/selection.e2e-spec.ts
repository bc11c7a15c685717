import sharp from 'sharp';
import { PDFDocument, PDFName, PDFDict } from 'pdf-lib';
import { startAllFakes } from '../fakes';
import { startTestApp, type TestApp } from '../support/test-app';

type Fakes = Awaited<ReturnType<typeof startAllFakes>>;

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe('selections and print assets (local media)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { PRINT_MAX_PIXELS: '100000000' } });
  });
  afterAll(async () => t.close());

  const generate = async (user: string, json: unknown) =>
    (await t.request('/v1/generations', { method: 'POST', user, json })).body;
  const select = (user: string, id: string, json?: unknown) =>
    t.request(`/v1/generations/${id}/selection`, { method: 'POST', user, ...(json === undefined ? {} : { json }) });
  const local = (url: string) => url.replace(/^https?:\/\/[^/]+/, t.url);

  it('produces a 10800 x 5400 150 DPI print and a 5184 x 2592 pt PDF for 72 x 36 in', async () => {
    const generation = await generate('printer', { prompt: 'a banner of mountains', aspectRatio: '16:9' });
    const response = await select('printer', generation.id, { widthInches: 72, heightInches: 36 });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      generationId: generation.id,
      dpi: 150,
      printImage: { width: 10800, height: 5400, mimeType: 'image/jpeg' },
      pdf: { widthInches: 72, heightInches: 36, pages: 1 },
    });
    const jpeg = await download(local(response.body.printImage.url));
    const meta = await sharp(jpeg).metadata();
    expect([meta.width, meta.height, meta.density, meta.format]).toEqual([10800, 5400, 150, 'jpeg']);
    const pdf = await PDFDocument.load(await download(local(response.body.pdf.url)), { updateMetadata: false });
    expect(pdf.getPageCount()).toBe(1);
    const { width, height } = pdf.getPage(0).getSize();
    expect([width, height]).toEqual([5184, 2592]);
    const xobjects = pdf.getPage(0).node.Resources()?.lookup(PDFName.of('XObject'), PDFDict);
    expect(xobjects?.keys()).toHaveLength(1);
    expect(pdf.getTitle()).toBe('a banner of mountains');
    expect(pdf.getProducer()).toBe('genledger');

    const repeated = await select('printer', generation.id, { widthInches: 72, heightInches: 36 });
    expect(repeated.status).toBe(201);
    expect(repeated.body).toEqual(response.body);
    const events = (await t.request('/v1/admin/users/printer/events')).body.events.filter(
      (e: { type: string }) => e.type === 'PrintAssetsProduced',
    );
    expect(events).toHaveLength(1);
    const other = await select('printer', generation.id, { widthInches: 24, heightInches: 12 });
    expect(other.body.printImage).toMatchObject({ width: 3600, height: 1800 });
    expect(other.body.printImage.url).not.toBe(response.body.printImage.url);
  });

  it('defaults to the image aspect at 24 inches wide, and works without a body', async () => {
    const generation = await generate('defaults', { prompt: 'square thing' });
    const response = await select('defaults', generation.id);
    expect(response.status).toBe(201);
    expect(response.body.printImage).toMatchObject({ width: 3600, height: 3600 });
    expect(response.body.pdf).toMatchObject({ widthInches: 24, heightInches: 24 });
  });

  it("refuses someone else's generation (404), unknown ids (404), bad sizes (400) and oversized prints (400)", async () => {
    const generation = await generate('owner', { prompt: 'mine only' });
    expect((await select('thief', generation.id, { widthInches: 10, heightInches: 10 })).status).toBe(404);
    expect((await select('owner', 'gen_doesnotexist', { widthInches: 10, heightInches: 10 })).status).toBe(404);
    for (const [json, field] of [
      [{ widthInches: 0, heightInches: 10 }, 'widthInches'],
      [{ widthInches: 241, heightInches: 10 }, 'widthInches'],
      [{ widthInches: 10, heightInches: '10' }, 'heightInches'],
      [{ widthInches: 10, depth: 3 }, 'depth'],
    ] as const) {
      const response = await select('owner', generation.id, json);
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const huge = await select('owner', generation.id, { widthInches: 240, heightInches: 240 });
    expect(huge.status).toBe(400);
    expect(huge.body.detail).toMatch(/over the limit of 100000000 pixels/);
  });
});

describe('selections with the fake Cloudinary', () => {
  let fakes: Fakes;
  let t: TestApp;
  beforeAll(async () => {
    fakes = await startAllFakes();
    t = await startTestApp({ env: { ...fakes.env } });
  });
  afterAll(async () => {
    await t.close();
    await fakes.close();
  });

  it('uploads both files to Cloudinary and answers with Cloudinary URLs; a failed generation is 409', async () => {
    const generation = (
      await t.request('/v1/generations', {
        method: 'POST',
        user: 'cloud',
        json: { prompt: 'clouds over a field', aspectRatio: '16:9' },
      })
    ).body;
    expect(generation.image.url.startsWith(fakes.cloudinary.url)).toBe(true);
    const response = await t.request(`/v1/generations/${generation.id}/selection`, {
      method: 'POST',
      user: 'cloud',
      json: { widthInches: 20, heightInches: 10 },
    });
    expect(response.status).toBe(201);
    expect(response.body.printImage.url.startsWith(fakes.cloudinary.url)).toBe(true);
    expect(response.body.pdf.url.startsWith(fakes.cloudinary.url)).toBe(true);
    const uploads = fakes.cloudinary.requests.filter((r) => r.method === 'POST' && r.path.includes('/upload'));
    const publicIds = uploads.map((r) => (r.body as Record<string, unknown>).public_id);
    expect(publicIds).toEqual(expect.arrayContaining([expect.stringContaining(`prints/${generation.id}/3000x1500`)]));
    const jpeg = await download(response.body.printImage.url);
    expect((await sharp(jpeg).metadata()).width).toBe(3000);

    fakes.openai.failNext({ kind: 'status', status: 400 }, 1);
    const failed = await t.request('/v1/generations', {
      method: 'POST',
      user: 'cloud',
      json: { prompt: 'refused by the provider' },
    });
    expect(failed.status).toBe(502);
    const [row] = await t.database.query<{ id: string }>(
      `SELECT id FROM generations WHERE status = 'failed' AND user_id = 'cloud'`,
    );
    const conflict = await t.request(`/v1/generations/${row.id}/selection`, {
      method: 'POST',
      user: 'cloud',
      json: { widthInches: 10, heightInches: 10 },
    });
    expect(conflict.status).toBe(409);
  });
});
