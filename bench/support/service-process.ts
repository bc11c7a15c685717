import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A program of this repository running as its own process, as in production: its own event loop,
 * memory and crash. Output goes to a file rather than a pipe, so a busy service never waits on
 * (or costs CPU in) the process that measures it.
 */
export interface ChildService {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
  /** Peak resident memory (VmHWM) since start or the last `resetPeakRss`, in MiB. */
  peakRssMiB(): number;
  /** Makes the next `peakRssMiB` cover only what follows (Linux clear_refs). */
  resetPeakRss(): boolean;
  /** SIGTERM and wait; SIGKILL if it has not exited within `graceMs`. Removes its scratch directory. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /** Environment on top of PATH; PORT is chosen here. */
  readonly env?: Record<string, string>;
  readonly args?: readonly string[];
  readonly nodeArgs?: readonly string[];
  /** Seen once the program can serve: a line of its output or an HTTP path answering 200. */
  readonly ready: { readonly line: RegExp } | { readonly path: string };
  readonly timeoutMs?: number;
  /** A fixed port (to restart a replica where its clients expect it); default: a free one. */
  readonly port?: number;
}

/** The repository root, from the source tree or from its compiled copy under dist/. */
export function repositoryRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'main.ts'))) return dir;
  }
  throw new Error('cannot find the repository root above the benchmark support code');
}

export const SERVICE_MAIN = join(repositoryRoot(), 'dist', 'src', 'main.js');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startChild(script: string, options: StartOptions): Promise<ChildService> {
  const scratch = mkdtempSync(join(tmpdir(), 'genledger-child-'));
  const logFile = join(scratch, 'output.log');
  const port = options.port ?? (await freePort());
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...(options.args ?? [])], {
    env: { PATH: process.env.PATH ?? '', ...options.env, PORT: String(port) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const url = `http://127.0.0.1:${port}`;
  const service: ChildService = {
    url,
    port,
    pid: child.pid ?? -1,
    child,
    exited,
    output,
    peakRssMiB: () => peakRssMiB(child.pid ?? -1),
    resetPeakRss: () => resetPeakRss(child.pid ?? -1),
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killed = await Promise.race([exited.then(() => false), sleep(graceMs, true, { ref: false })]);
        if (killed) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      rmSync(scratch, { recursive: true, force: true });
    },
  };
  try {
    await waitUntilReady(service, options.ready, options.timeoutMs ?? 60_000);
  } catch (error) {
    await service.stop(1000);
    throw error;
  }
  return service;
}

/**
 * The Node options of `npm start` (package.json), so a benchmarked service runs as it runs there;
 * BENCH_NODE_ARGS replaces them to compare settings.
 */
export function startScriptNodeArgs(): string[] {
  if (process.env.BENCH_NODE_ARGS !== undefined) return process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean);
  const scripts = JSON.parse(readFileSync(join(repositoryRoot(), 'package.json'), 'utf8')).scripts;
  const words: string[] = scripts.start.split(/\s+/);
  return words.slice(words.indexOf('node') + 1).filter((word) => word.startsWith('--'));
}

/**
 * `node dist/src/main.js` with a scratch DATA_DIR and the Node options of `npm start` (so the
 * figures are the service's as it is started), ready when it logs where it listens.
 * BENCH_NODE_ARGS replaces the options to compare settings.
 */
export function startGenledger(
  env: Record<string, string>,
  options: { port?: number; timeoutMs?: number } = {},
): Promise<ChildService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'genledger-data-'));
  // BENCH_CPU_PROF=<dir>: every genledger process writes a CPU profile there when it stops.
  const profileDir = process.env.BENCH_CPU_PROF;
  return startChild(SERVICE_MAIN, {
    env: { DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env, ...(profileDir ? { BENCH_CPU_PROF: profileDir } : {}) },
    nodeArgs: [...startScriptNodeArgs(), ...(profileDir ? ['--require', join(__dirname, 'cpu-profile.js')] : [])],
    ready: { line: /genledger listening on http:\/\// },
    ...options,
  }).then((service) => ({
    ...service,
    async stop(graceMs?: number) {
      await service.stop(graceMs);
      rmSync(dataDir, { recursive: true, force: true });
    },
  }));
}

async function waitUntilReady(service: ChildService, ready: StartOptions['ready'], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      throw new Error(`exited before it was ready:\n${service.output().slice(-4000)}`);
    }
    if ('line' in ready ? ready.line.test(service.output()) : await answers(`${service.url}${ready.path}`)) return;
    await sleep(100);
  }
  throw new Error(`not ready within ${timeoutMs} ms:\n${service.output().slice(-4000)}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).status === 200;
  } catch {
    return false;
  }
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmHWM for process ${pid}`);
  return Number(kib) / 1024;
}

function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
