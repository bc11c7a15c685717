/**
 * Memory of the embedded default: `node dist/src/main.js` with no configuration (PGlite in a
 * fresh DATA_DIR, the local provider, local media), as `npm start` runs it. Reports the resident
 * set (VmRSS) idle after start-up, its make-up (/proc smaps_rollup), the peak while one large
 * print selection renders, and the RSS sampled for a minute after it.
 *
 *   npm run bench:memory                      (72 x 36 in; BENCH_PRINT=24x12 for another size)
 *
 * Not a test: figures depend on the machine and the allocator. They are reported in
 * docs/benchmarks-memory.md; the bounds below are the ones the README states.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GenledgerClient } from '../support/genledger-client';
import {
  repositoryRoot,
  SERVICE_MAIN,
  startChild,
  startScriptNodeArgs,
  type ChildService,
} from '../support/service-process';

const BOUNDS = { idleRssMiB: 200, rssMiBAMinuteAfterPrint: 300 };
const SETTLE_MS = 10_000;
const AFTER_PRINT_MS = 60_000;
const SAMPLE_EVERY_MS = 5_000;

interface Memory {
  readonly rssMiB: number;
  readonly anonMiB: number;
  readonly fileMiB: number;
}

interface Result {
  readonly date: string;
  readonly machine: string;
  readonly node: string;
  readonly env: Record<string, string>;
  readonly nodeArgs: readonly string[];
  readonly startMs: number;
  /** Idle after the first start, which creates the database (initdb). */
  readonly idle: Memory & { readonly v8HeapMiB: number | null };
  /** Idle after a restart on the same data directory. */
  readonly idleRestarted: Memory & { readonly v8HeapMiB: number | null };
  readonly print: { readonly widthInches: number; readonly heightInches: number; readonly pixels: number };
  readonly printMs: number;
  readonly peakRssMiB: number;
  readonly afterPrint: ReadonlyArray<{ readonly seconds: number; readonly rssMiB: number }>;
  readonly aMinuteAfterPrint: Memory;
}

const round = (mib: number): number => Math.round(mib * 10) / 10;

/** Resident memory of a process, split into anonymous (heaps, WASM memory) and file-backed (code). */
function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return {
    rssMiB: round(kib('VmRSS') / 1024),
    anonMiB: round(kib('RssAnon') / 1024),
    fileMiB: round(kib('RssFile') / 1024),
  };
}

/** The service's own view of its V8 heap, from the Prometheus endpoint when it exports one. */
async function v8HeapMiB(service: ChildService): Promise<number | null> {
  const text = await fetch(`${service.url}/metrics`)
    .then((response) => response.text())
    .catch(() => '');
  const used = /^(?:genledger_)?nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(text)?.[1];
  return used === undefined ? null : round(Number(used) / 1024 / 1024);
}

function printSize(): { widthInches: number; heightInches: number } {
  const [width, height] = (process.env.BENCH_PRINT ?? '72x36').split('x').map(Number);
  if (!(width > 0 && height > 0)) throw new Error(`BENCH_PRINT must look like 72x36, got ${process.env.BENCH_PRINT}`);
  return { widthInches: width, heightInches: height };
}

function start(dataDir: string, env: Record<string, string>, nodeArgs: string[]): Promise<ChildService> {
  return startChild(SERVICE_MAIN, {
    env: { DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
    nodeArgs,
    ready: { line: /genledger listening on http:\/\// },
    timeoutMs: 120_000,
  });
}

async function idleOf(service: ChildService, label: string): Promise<Result['idle']> {
  await sleep(SETTLE_MS);
  const idle = { ...memoryOf(service.pid), v8HeapMiB: await v8HeapMiB(service) };
  process.stdout.write(`${label}, idle after ${SETTLE_MS / 1000} s: ${JSON.stringify(idle)}\n`);
  return idle;
}

async function main(): Promise<void> {
  const print = printSize();
  // Only what the operator would set: nothing, unless the run is asked to compare an allocator setting.
  const env: Record<string, string> = {};
  if (process.env.MALLOC_ARENA_MAX) env.MALLOC_ARENA_MAX = process.env.MALLOC_ARENA_MAX;
  const nodeArgs = startScriptNodeArgs();
  const dataDir = mkdtempSync(join(tmpdir(), 'genledger-memory-'));
  try {
    const measured = await firstStartAndPrint(dataDir, env, nodeArgs, print);
    const restarted = await start(dataDir, env, nodeArgs);
    let idleRestarted: Result['idle'];
    try {
      idleRestarted = await idleOf(restarted, 'restarted');
    } finally {
      await restarted.stop();
    }
    report({ ...measured, idleRestarted });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function firstStartAndPrint(
  dataDir: string,
  env: Record<string, string>,
  nodeArgs: string[],
  print: { widthInches: number; heightInches: number },
): Promise<Omit<Result, 'idleRestarted'>> {
  const started = Date.now();
  const service = await start(dataDir, env, nodeArgs);
  const startMs = Date.now() - started;
  try {
    const idle = await idleOf(service, 'first start');

    const client = new GenledgerClient(service.url);
    const generated = await client.generate('memory-bench', { prompt: 'a lighthouse at dawn', aspectRatio: '16:9' });
    if (generated.status !== 201) throw new Error(`generation: ${generated.status} ${JSON.stringify(generated.body)}`);
    service.resetPeakRss();
    const printStart = Date.now();
    const selected = await client.call('POST', `/v1/generations/${generated.body.id}/selection`, {
      user: 'memory-bench',
      json: print,
      timeoutMs: 300_000,
    });
    const printMs = Date.now() - printStart;
    if (selected.status !== 201 && selected.status !== 200)
      throw new Error(`selection: ${selected.status} ${JSON.stringify(selected.body)}`);
    const peakRssMiB = round(service.peakRssMiB());
    const pixels = selected.body.printImage.width * selected.body.printImage.height;

    const afterPrint: Array<{ seconds: number; rssMiB: number }> = [];
    for (let waited = 0; waited <= AFTER_PRINT_MS; waited += SAMPLE_EVERY_MS) {
      afterPrint.push({ seconds: waited / 1000, rssMiB: memoryOf(service.pid).rssMiB });
      if (waited < AFTER_PRINT_MS) await sleep(SAMPLE_EVERY_MS);
    }
    const aMinuteAfterPrint = memoryOf(service.pid);

    return {
      date: new Date().toISOString(),
      machine: `${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM`,
      node: process.versions.node,
      env,
      nodeArgs,
      startMs,
      idle,
      print: { ...print, pixels },
      printMs,
      peakRssMiB,
      afterPrint,
      aMinuteAfterPrint,
    };
  } finally {
    await service.stop();
  }
}

function report(result: Result): void {
  const dir = join(repositoryRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `memory-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const { widthInches, heightInches, pixels } = result.print;
  const lines = [
    `machine: ${result.machine}, Node ${result.node} ${result.nodeArgs.join(' ')}${Object.keys(result.env).length ? `, ${JSON.stringify(result.env)}` : ''}`,
    `first start (initdb): ${result.startMs} ms`,
    `idle RSS, first start: ${result.idle.rssMiB} MiB (anonymous ${result.idle.anonMiB}, file-backed ${result.idle.fileMiB}; V8 heap used ${result.idle.v8HeapMiB ?? '?'})`,
    `idle RSS, restarted: ${result.idleRestarted.rssMiB} MiB (anonymous ${result.idleRestarted.anonMiB}, file-backed ${result.idleRestarted.fileMiB}; V8 heap used ${result.idleRestarted.v8HeapMiB ?? '?'})`,
    `${widthInches} x ${heightInches} in print (${(pixels / 1e6).toFixed(1)} MP): ${result.printMs} ms, peak RSS ${result.peakRssMiB} MiB`,
    `RSS after the print: ${result.afterPrint.map((s) => `${s.seconds}s ${s.rssMiB}`).join(', ')}`,
    `RSS a minute after: ${result.aMinuteAfterPrint.rssMiB} MiB (anonymous ${result.aMinuteAfterPrint.anonMiB}, file-backed ${result.aMinuteAfterPrint.fileMiB})`,
    `raw results: ${file}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const failures = [
    result.idle.rssMiB >= BOUNDS.idleRssMiB ? `idle RSS ${result.idle.rssMiB} MiB >= ${BOUNDS.idleRssMiB}` : null,
    result.idleRestarted.rssMiB >= BOUNDS.idleRssMiB
      ? `idle RSS after a restart ${result.idleRestarted.rssMiB} MiB >= ${BOUNDS.idleRssMiB}`
      : null,
    result.aMinuteAfterPrint.rssMiB >= BOUNDS.rssMiBAMinuteAfterPrint
      ? `RSS a minute after the print ${result.aMinuteAfterPrint.rssMiB} MiB >= ${BOUNDS.rssMiBAMinuteAfterPrint}`
      : null,
  ].filter((failure): failure is string => failure !== null);
  if (failures.length > 0) {
    process.stdout.write(`OVER BOUNDS: ${failures.join('; ')}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(
      `within bounds: idle < ${BOUNDS.idleRssMiB} MiB, a minute after the print < ${BOUNDS.rssMiBAMinuteAfterPrint} MiB\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
