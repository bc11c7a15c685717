/**
 * Print rendering benchmark: each size renders in its own child process so that the peak RSS
 * reported is that render's alone. Ratios compare against baselines taken in the same run: the
 * event loop's lag while rendering against its lag idle, and the peak RSS against the size of
 * the print held decoded in memory (which a non-streaming pipeline would need at least once).
 *
 * Timer lag also grows when the machine is busy (other processes, or libvips's own thread on a
 * small box), so the bound on the JPEG phase is its event-loop utilisation: the share of time the
 * loop spent running JS rather than waiting, which scheduling delays do not inflate.
 *
 *   npm run bench:print
 */
import { execFile } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { planPrint, renderPrintImage, renderPrintPdf } from '../../src/media/print';

const SOURCE = { width: 1792, height: 1024 };
const SIZES = [
  { widthInches: 72, heightInches: 36 },
  { widthInches: 240, heightInches: 120 },
];
const MAX_PIXELS = 36000 * 18000;
const IDLE_SAMPLE_MS = 2000;
const LAG_RESOLUTION_MS = 10;
const MiB = 1024 * 1024;

/** One render has to fit beside the service on a small instance without stalling its requests. */
const BOUNDS = { peakRssMiB: 1536, jpegLoopUtilisation: 0.2, pdfMaxLagMs: 200 };

interface Lag {
  readonly maxMs: number;
  readonly p99Ms: number;
  /** Event-loop utilisation, 0-1. */
  readonly utilisation: number;
}

interface ChildResult {
  readonly widthInches: number;
  readonly heightInches: number;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly jpegMiB: number;
  readonly pdfMiB: number;
  readonly jpegMs: number;
  readonly pdfMs: number;
  readonly cpuMs: number;
  readonly baseRssMiB: number;
  readonly peakRssMiB: number;
  readonly idleLag: Lag;
  readonly jpegLag: Lag;
  readonly pdfLag: Lag;
}

async function child(widthInches: number, heightInches: number): Promise<void> {
  const source = await sourcePng();
  const imageSize = { imageWidth: SOURCE.width, imageHeight: SOURCE.height };
  const plan = planPrint({ ...imageSize, widthInches, heightInches, maxPixels: MAX_PIXELS });
  const baseRssMiB = process.resourceUsage().maxRSS / 1024;

  const idle = await measureLag(() => sleep(IDLE_SAMPLE_MS));
  const cpuBefore = process.cpuUsage();
  const jpeg = await measureLag(() => renderPrintImage(source, plan));
  const pdf = await measureLag(() => renderPrintPdf(jpeg.value, plan, { title: 'benchmark', createdAt: new Date(0) }));
  const cpu = process.cpuUsage(cpuBefore);
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;

  // 648 MP is over sharp's default input limit (268 MP); reading the header alone is safe.
  const output = await sharp(jpeg.value, { limitInputPixels: false }).metadata();
  if (output.width !== plan.widthPx || output.height !== plan.heightPx || output.density !== plan.dpi) {
    const got = `${output.width} x ${output.height} at ${output.density} DPI`;
    throw new Error(`rendered ${got}, planned ${plan.widthPx} x ${plan.heightPx} at ${plan.dpi} DPI`);
  }
  const result: ChildResult = {
    widthInches,
    heightInches,
    widthPx: plan.widthPx,
    heightPx: plan.heightPx,
    jpegMiB: jpeg.value.length / MiB,
    pdfMiB: pdf.value.length / MiB,
    jpegMs: jpeg.wallMs,
    pdfMs: pdf.wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    baseRssMiB,
    peakRssMiB,
    idleLag: idle.lag,
    jpegLag: jpeg.lag,
    pdfLag: pdf.lag,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function measureLag<T>(work: () => Promise<T>): Promise<{ value: T; wallMs: number; lag: Lag }> {
  const histogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  histogram.enable();
  const loopBefore = performance.eventLoopUtilization();
  const started = performance.now();
  const value = await work();
  const wallMs = performance.now() - started;
  const { utilization } = performance.eventLoopUtilization(loopBefore);
  histogram.disable();
  return {
    value,
    wallMs,
    lag: { maxMs: lagMs(histogram, 'max'), p99Ms: lagMs(histogram, 99), utilisation: utilization },
  };
}

/** The histogram holds how late each timer fired, in nanoseconds, including its own period. */
function lagMs(histogram: IntervalHistogram, at: 'max' | number): number {
  const delayNs = at === 'max' ? histogram.max : histogram.percentile(at);
  return Math.max(0, delayNs / 1e6 - LAG_RESOLUTION_MS);
}

/** A stand-in for a provider image: smooth colour with grain, so the JPEG is not trivially small. */
async function sourcePng(): Promise<Buffer> {
  const grain = { type: 'gaussian' as const, mean: 128, sigma: 40 };
  const noise = await sharp({ create: { ...SOURCE, channels: 3, background: '#808080', noise: grain } })
    .png()
    .toBuffer();
  const gradient = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SOURCE.width}" height="${SOURCE.height}">` +
      '<defs><linearGradient id="g"><stop offset="0" stop-color="#1d3557"/><stop offset="1" stop-color="#f4a261"/></linearGradient></defs>' +
      '<rect width="100%" height="100%" fill="url(#g)"/></svg>',
  );
  return sharp(gradient)
    .composite([{ input: noise, blend: 'soft-light' }])
    .png()
    .toBuffer();
}

async function parent(): Promise<void> {
  const run = promisify(execFile);
  const results: ChildResult[] = [];
  for (const size of SIZES) {
    const args = [__filename, 'child', String(size.widthInches), String(size.heightInches)];
    const { stdout } = await run(process.execPath, args, { maxBuffer: MiB });
    results.push(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildResult);
  }

  console.log(
    `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ` +
      `load average ${loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}; Node ${process.versions.node}, ` +
      `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}, ${sharp.concurrency()} thread(s) per image), ` +
      `UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`,
  );
  console.log(`source: ${SOURCE.width} x ${SOURCE.height} PNG -> JPEG q90 4:4:4 at 150 DPI -> one-page PDF\n`);
  console.table(
    results.map((r) => ({
      print: `${r.widthInches} x ${r.heightInches} in`,
      pixels: `${r.widthPx} x ${r.heightPx}`,
      'JPEG s': seconds(r.jpegMs),
      'PDF s': seconds(r.pdfMs),
      'CPU s': seconds(r.cpuMs),
      'MP per CPU s': ((r.widthPx * r.heightPx) / 1e6 / (r.cpuMs / 1000)).toFixed(1),
      'JPEG MiB': r.jpegMiB.toFixed(1),
      'PDF MiB': r.pdfMiB.toFixed(1),
      'RSS before MiB': r.baseRssMiB.toFixed(0),
      'peak RSS MiB': r.peakRssMiB.toFixed(0),
      'peak RSS / decoded print': ratio(r.peakRssMiB, (r.widthPx * r.heightPx * 3) / MiB),
    })),
  );
  console.log('event-loop lag in ms (max / p99 of a 10 ms timer) and utilisation');
  console.table(
    results.map((r) => ({
      print: `${r.widthInches} x ${r.heightInches} in`,
      idle: formatLag(r.idleLag),
      'during JPEG': formatLag(r.jpegLag),
      'during PDF': formatLag(r.pdfLag),
      'JPEG max / idle max': ratio(r.jpegLag.maxMs, Math.max(r.idleLag.maxMs, 1)),
    })),
  );

  const failures = results.flatMap((r) => {
    const print = `${r.widthInches} x ${r.heightInches} in`;
    const rss = `${print}: peak RSS ${r.peakRssMiB.toFixed(0)} MiB > ${BOUNDS.peakRssMiB} MiB`;
    const busy = `${print}: event loop ${percent(r.jpegLag.utilisation)} busy during the JPEG render`;
    const lag = `${print}: event-loop lag ${r.pdfLag.maxMs.toFixed(0)} ms during the PDF`;
    return [
      ...(r.peakRssMiB > BOUNDS.peakRssMiB ? [rss] : []),
      ...(r.jpegLag.utilisation > BOUNDS.jpegLoopUtilisation ? [busy] : []),
      ...(r.pdfLag.maxMs > BOUNDS.pdfMaxLagMs ? [lag] : []),
    ];
  });
  console.log(
    `bounds: peak RSS < ${BOUNDS.peakRssMiB} MiB, event loop < ${percent(BOUNDS.jpegLoopUtilisation)} busy ` +
      `during the JPEG render, lag < ${BOUNDS.pdfMaxLagMs} ms during the PDF, for every size`,
  );
  if (failures.length > 0) {
    console.error(`FAILED:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log('OK');
  }
}

function formatLag(lag: Lag): string {
  return `${lag.maxMs.toFixed(0)} / ${lag.p99Ms.toFixed(0)}, ${percent(lag.utilisation)}`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 1000 ? 2 : 1);
}

function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}x`;
}

const [mode, width, height] = process.argv.slice(2);
(mode === 'child' ? child(Number(width), Number(height)) : parent()).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
