import sharp from 'sharp';
import { PDFArray, PDFDocument, PDFName, PDFRawStream, decodePDFRawStream } from 'pdf-lib';
import { DomainError } from '../../common/domain-error';
import { planPrint, producePrintAssets, renderPrintImage, renderPrintPdf, type PrintPlan } from './index';

const MAX_PIXELS = 36000 * 18000;
const PROVIDER_SIZE = { imageWidth: 1792, imageHeight: 1024 };
const CREATED_AT = new Date('2026-11-24T10:00:00.000Z');

type Rgb = readonly [number, number, number];
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];

describe('print rendering', () => {
  let providerImage: Buffer;
  beforeAll(async () => {
    providerImage = await noisePng(PROVIDER_SIZE.imageWidth, PROVIDER_SIZE.imageHeight);
  });

  it('renders 72 x 36 in as a 10800 x 5400 JPEG at 150 DPI in a one-page 5184 x 2592 pt PDF', async () => {
    const plan = planPrint({ ...PROVIDER_SIZE, widthInches: 72, heightInches: 36, maxPixels: MAX_PIXELS });

    const assets = await producePrintAssets(providerImage, plan, {
      title: 'a lighthouse at dawn',
      createdAt: CREATED_AT,
    });

    expect(assets.image).toMatchObject({ width: 10800, height: 5400, mimeType: 'image/jpeg' });
    expect(await sharp(assets.image.bytes).metadata()).toMatchObject({
      format: 'jpeg',
      width: 10800,
      height: 5400,
      density: 150,
      chromaSubsampling: '4:4:4',
    });
    expect(assets.pdf).toMatchObject({ widthInches: 72, heightInches: 36, pages: 1 });

    const pdf = await PDFDocument.load(assets.pdf.bytes, { updateMetadata: false });
    expect(pdf.getPageCount()).toBe(1);
    expect(pdf.getPage(0).getSize()).toEqual({ width: 5184, height: 2592 });
    expect(pdf.getTitle()).toBe('a lighthouse at dawn');
    expect(pdf.getProducer()).toBe('genledger');
    expect(pdf.getCreator()).toBe('genledger');

    const images = imageXObjects(pdf);
    expect(images).toHaveLength(1);
    expect(images[0].dict.get(PDFName.of('Filter'))).toEqual(PDFName.of('DCTDecode'));
    expect(Buffer.compare(Buffer.from(images[0].contents), assets.image.bytes)).toBe(0);
    expect(pageContent(pdf)).toMatch(/\b5184 0 0 2592 0 0 cm\b[\s\S]*\bDo\b/);
  });

  it('crops a square image to cover a 2:1 frame instead of stretching it', async () => {
    const bands = await bandsPng(300, 'rows');
    const out = await renderPrintImage(bands, planOf(600, 300));

    // Covering scales the square to 600 x 600 and keeps rows 150-449: red shows only in the top
    // 50 rows, blue in the bottom 50. Stretching would give each band 100 rows.
    expect(
      await pixelsAt(out, [
        [300, 20],
        [300, 75],
        [300, 150],
        [300, 225],
        [300, 280],
      ]),
    ).toEqual([RED, GREEN, GREEN, GREEN, BLUE]);
  });

  it('crops a square image from the centre to cover a 1:2 frame', async () => {
    const bands = await bandsPng(300, 'columns');
    const out = await renderPrintImage(bands, planOf(150, 300));

    expect(
      await pixelsAt(out, [
        [10, 150],
        [40, 150],
        [75, 150],
        [110, 150],
        [140, 150],
      ]),
    ).toEqual([RED, GREEN, GREEN, GREEN, BLUE]);
  });

  it('applies an EXIF rotation to the pixels rather than keeping it as a tag', async () => {
    const rotated = await sharp(await bandsPng(120, 'rows'))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const out = await renderPrintImage(rotated, planOf(300, 150));

    expect(await sharp(out).metadata()).toMatchObject({ width: 300, height: 150, orientation: 1 });
  });

  it('writes the bytes pdf-lib itself would, also from a Buffer that is a slice of another', async () => {
    const jpeg = await renderPrintImage(await noisePng(64, 64), planOf(300, 150));
    const meta = { title: 'a lighthouse at dawn, ✓', createdAt: CREATED_AT };
    const reference = await PDFDocument.create({ updateMetadata: false });
    reference.setTitle(meta.title);
    reference.setProducer('genledger');
    reference.setCreator('genledger');
    reference.setCreationDate(meta.createdAt);
    reference.setModificationDate(meta.createdAt);
    const image = await reference.embedJpg(jpeg);
    reference.addPage([144, 72]).drawImage(image, { x: 0, y: 0, width: 144, height: 72 });
    const expected = Buffer.from(await reference.save());

    const sliced = Buffer.concat([Buffer.from('padding'), jpeg]).subarray('padding'.length);

    expect((await renderPrintPdf(jpeg, planOf(300, 150), meta)).equals(expected)).toBe(true);
    expect((await renderPrintPdf(sliced, planOf(300, 150), meta)).equals(expected)).toBe(true);
  });

  describe('planPrint', () => {
    const image = { ...PROVIDER_SIZE, maxPixels: MAX_PIXELS };

    it("defaults to the image's aspect at 24 inches wide", () => {
      expect(planPrint(image)).toEqual({
        widthInches: 24,
        heightInches: 13.71,
        dpi: 150,
        widthPx: 3600,
        heightPx: 2057,
        widthPt: 1728,
        heightPt: 987.12,
      });
    });

    it("derives the omitted side from the image's aspect", () => {
      expect(planPrint({ ...image, widthInches: 70 })).toMatchObject({ widthInches: 70, heightInches: 40 });
      expect(planPrint({ ...image, heightInches: 40 })).toMatchObject({ widthInches: 70, heightInches: 40 });
    });

    it('accepts both sides with up to 2 decimals and rounds pixels once', () => {
      expect(planPrint({ ...image, widthInches: 10.01, heightInches: 240 })).toMatchObject({
        widthPx: 1502,
        heightPx: 36000,
        widthPt: 720.72,
        heightPt: 17280,
      });
      expect(planPrint({ ...image, widthInches: 1, heightInches: 1, dpi: 300 })).toMatchObject({
        widthPx: 300,
        heightPx: 300,
      });
    });

    it.each([0.99, 240.01, 10.001, 0, -5, Number.NaN, Number.POSITIVE_INFINITY])('rejects %p inches', (inches) => {
      expect(fieldErrors(() => planPrint({ ...image, widthInches: inches, heightInches: 10 }))).toEqual([
        { field: 'widthInches', message: 'must be a number from 1 to 240 inches with at most 2 decimals' },
      ]);
    });

    it('reports every invalid side at once', () => {
      expect(fieldErrors(() => planPrint({ ...image, widthInches: 0, heightInches: 241 })).map((e) => e.field)).toEqual(
        ['widthInches', 'heightInches'],
      );
    });

    it('rejects a derived side out of range and names it', () => {
      const tall = { imageWidth: 100, imageHeight: 1100, maxPixels: MAX_PIXELS };

      expect(fieldErrors(() => planPrint(tall))).toEqual([
        {
          field: 'heightInches',
          message: "the image's aspect gives 264 inches, outside 1-240; give heightInches explicitly",
        },
      ]);
    });

    it('allows exactly the pixel limit and rejects more, saying the limit', () => {
      expect(planPrint({ ...image, widthInches: 240, heightInches: 120 })).toMatchObject({
        widthPx: 36000,
        heightPx: 18000,
      });

      const errors = fieldErrors(() => planPrint({ ...image, widthInches: 240, heightInches: 120.01 }));
      expect(errors.map((e) => e.field)).toEqual(['widthInches', 'heightInches']);
      expect(errors[0].message).toBe(
        '240 x 120.01 in at 150 DPI is 36000 x 18002 = 648072000 pixels, over the limit of 648000000 pixels',
      );
    });
  });

  describe('the event loop', () => {
    // Timer lag also grows when a loaded machine simply does not schedule this thread, so the
    // render is judged by the share of time the loop ran JS (near 1 if the work were on it), and
    // lag bounds are set well apart from both a free loop and a blocked one.
    it('stays free while a print renders', async () => {
      const plan = planPrint({ ...PROVIDER_SIZE, widthInches: 32, heightInches: 16, maxPixels: MAX_PIXELS });

      const loop = await whileTicking(() =>
        producePrintAssets(providerImage, plan, { title: 'lag', createdAt: CREATED_AT }),
      );

      expect(loop.ticks).toBeGreaterThan(0);
      expect(loop.utilisation).toBeLessThan(0.5);
      // Ratios, not milliseconds: a loaded machine stretches both the work and the lag.
      expect(loop.maxLagMs).toBeLessThan(loop.durationMs / 2);
    });

    it('keeps ticking while the PDF wraps a print-sized JPEG', async () => {
      // pdf-lib reads only the JPEG header, so padding stands in for a 240 x 120 in print's data;
      // copied in one go it blocks the loop for 0.7-0.9 s on a 2-core machine.
      const header = await renderPrintImage(await noisePng(64, 64), planOf(150, 150));
      const jpeg = Buffer.concat([header, Buffer.alloc(128 * 1024 * 1024)]);
      const meta = { title: 'lag', createdAt: CREATED_AT };

      const loop = await whileTicking(() => renderPrintPdf(jpeg, planOf(150, 150), meta));

      // Copied in one go, the longest stall is the whole copy; in slices, a part of it (a loaded
      // machine stretches single stalls, so the bound sits between the two, not near either).
      expect(loop.ticks).toBeGreaterThan(3);
      expect(loop.maxLagMs).toBeLessThan(loop.durationMs * 0.6);
    });
  });
});

/** A plan for an exact pixel size, bypassing the inch rules the planPrint tests cover. */
function planOf(widthPx: number, heightPx: number): PrintPlan {
  return {
    widthInches: widthPx / 150,
    heightInches: heightPx / 150,
    dpi: 150,
    widthPx,
    heightPx,
    widthPt: (widthPx / 150) * 72,
    heightPt: (heightPx / 150) * 72,
  };
}

async function noisePng(width: number, height: number): Promise<Buffer> {
  const noise = { type: 'gaussian' as const, mean: 128, sigma: 40 };
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise } })
    .png()
    .toBuffer();
}

/** A square in three equal bands, red then green then blue, from the top or from the left. */
async function bandsPng(size: number, along: 'rows' | 'columns'): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const band = Math.min(2, Math.floor(((along === 'rows' ? y : x) * 3) / size));
      raw.set([RED, GREEN, BLUE][band], (y * size + x) * 3);
    }
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

/** The colour at each [x, y], snapped to pure red, green or blue (JPEG is never exact). */
async function pixelsAt(jpeg: Buffer, points: ReadonlyArray<readonly [number, number]>): Promise<Rgb[]> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return points.map(([x, y]) => {
    const at = (y * info.width + x) * info.channels;
    const rgb = [data[at], data[at + 1], data[at + 2]];
    const strongest = rgb.indexOf(Math.max(...rgb));
    const isPure = rgb.every((value, channel) => (channel === strongest ? value > 200 : value < 60));
    return isPure ? [RED, GREEN, BLUE][strongest] : ([rgb[0], rgb[1], rgb[2]] as const);
  });
}

function fieldErrors(plan: () => unknown): Array<{ field: string; message: string }> {
  try {
    plan();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('validation_failed');
    return (error as DomainError).details.errors as Array<{ field: string; message: string }>;
  }
  throw new Error('expected planPrint to throw');
}

function imageXObjects(pdf: PDFDocument): PDFRawStream[] {
  return pdf.context
    .enumerateIndirectObjects()
    .map(([, object]) => object)
    .filter((object): object is PDFRawStream => object instanceof PDFRawStream)
    .filter((stream) => stream.dict.get(PDFName.of('Subtype')) === PDFName.of('Image'));
}

/** The page's drawing operators, decoded from however many content streams it has. */
function pageContent(pdf: PDFDocument): string {
  const contents = pdf.getPage(0).node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((ref) => pdf.context.lookup(ref)) : [contents];
  return streams
    .map((stream) => {
      if (!(stream instanceof PDFRawStream)) throw new Error('expected a raw content stream');
      return Buffer.from(decodePDFRawStream(stream).decode()).toString('latin1');
    })
    .join('\n');
}

/**
 * Runs work while a 10 ms timer records how late it fires (the longest the loop was held up)
 * and the event loop's utilisation over the same time.
 */
async function whileTicking(
  work: () => Promise<unknown>,
): Promise<{ ticks: number; maxLagMs: number; utilisation: number; durationMs: number }> {
  const periodMs = 10;
  const started = performance.now();
  let ticks = 0;
  let maxLagMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - last - periodMs);
    last = now;
    ticks++;
  }, periodMs);
  const loopBefore = performance.eventLoopUtilization();
  try {
    await work();
    maxLagMs = Math.max(maxLagMs, performance.now() - last - periodMs);
  } finally {
    clearInterval(timer);
  }
  return {
    ticks,
    maxLagMs,
    utilisation: performance.eventLoopUtilization(loopBefore).utilization,
    durationMs: performance.now() - started,
  };
}
