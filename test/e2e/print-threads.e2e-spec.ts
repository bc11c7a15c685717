import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const DIST = resolve(__dirname, '../../dist/src');
/** Threads of a process that has used libuv's pool once (all of the pool's threads start at once). */
const COUNT_THREADS = `require('node:fs').stat('.', () => console.log(require('node:fs').readdirSync('/proc/self/task').length))`;

function runNode(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => done({ code, output }));
  });
}

async function threadsWith(env: Record<string, string>): Promise<number> {
  const { code, output } = await runNode(['-r', `${DIST}/config/thread-pool.js`, '-e', COUNT_THREADS], env);
  expect(code).toBe(0);
  return Number(output.trim());
}

// Thread counts are read from /proc (Linux, where the service and CI run).
const describeOnLinux = existsSync('/proc/self/task') ? describe : describe.skip;

describeOnLinux('libuv thread pool sized for print renders (built with npm run build)', () => {
  it('gives the pool one thread more for each render allowed at once, before anything uses it', async () => {
    const one = await threadsWith({ PRINT_CONCURRENCY: '1' });
    const twentyOne = await threadsWith({ PRINT_CONCURRENCY: '21' });
    const explicit = await threadsWith({ PRINT_CONCURRENCY: '1', UV_THREADPOOL_SIZE: '15' });

    // 1 + 4 threads, then 21 + 4, then the 15 asked for.
    expect(twentyOne - one).toBe(20);
    expect(explicit - one).toBe(10);
  });

  it('is sized so in the service, whose dependencies use the pool while they load', async () => {
    const child = spawn(process.execPath, [`${DIST}/main.js`], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'genledger-threads-')),
        PRINT_CONCURRENCY: '21',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      await new Promise<void>((listening, failed) => {
        const watch = (chunk: Buffer) => {
          output += chunk;
          if (output.includes('genledger listening on')) listening();
        };
        child.stdout.on('data', watch);
        child.stderr.on('data', watch);
        child.on('exit', () => failed(new Error(`exited before listening: ${output}`)));
      });
      const serviceThreads = readdirSync(`/proc/${child.pid}/task`).length;

      // Sized late (after a dependency used the pool), it would have libuv's default 4 threads.
      expect(serviceThreads).toBeGreaterThanOrEqual(await threadsWith({ PRINT_CONCURRENCY: '21' }));
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((exited) => child.on('exit', exited));
    }
  }, 180_000);

  it('refuses to start with a pool that renders would fill, naming UV_THREADPOOL_SIZE (exit 78)', async () => {
    const { code, output } = await runNode([`${DIST}/main.js`], { PRINT_CONCURRENCY: '3', UV_THREADPOOL_SIZE: '4' });

    expect(code).toBe(78);
    expect(output).toMatch(/UV_THREADPOOL_SIZE must be at least PRINT_CONCURRENCY \(3\) \+ 2/);
  });
});
