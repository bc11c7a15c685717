import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, hasPostgres } from '../support/test-database';

const MAIN = resolve(__dirname, '../../dist/src/main.js');

interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function run(env: Record<string, string>): Running {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

async function waitForListening(running: Running, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /genledger listening on (http:\/\/[^\s"]+)/.exec(running.output());
    if (match) return match[1];
    if (running.child.exitCode !== null) throw new Error(`exited early: ${running.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`did not start: ${running.output()}`);
}

async function stop(running: Running): Promise<void> {
  if (running.child.exitCode === null) {
    running.child.kill('SIGTERM');
    await running.exited;
  }
}

describe('the service as a process (built with npm run build)', () => {
  // Start-up of the embedded database takes seconds, and much longer on a loaded machine.
  jest.setTimeout(180_000);

  it('exits non-zero naming the variable when the configuration is bad', async () => {
    const running = run({ PORT: 'abc' });
    const code = await running.exited;
    expect(code).not.toBe(0);
    expect(running.output()).toContain('PORT');
    expect(running.output()).toContain('must be an integer');
  });

  it('refuses dev auth on a non-loopback HOST unless allowed', async () => {
    const running = run({ HOST: '0.0.0.0', PORT: '0' });
    expect(await running.exited).not.toBe(0);
    expect(running.output()).toMatch(/HOST must be a loopback address in dev auth mode/);
  });

  it('refuses dev auth on a network HOST without ADMIN_TOKEN (exit 78), even with ALLOW_INSECURE_DEV_AUTH', async () => {
    const running = run({ HOST: '0.0.0.0', PORT: '0', ALLOW_INSECURE_DEV_AUTH: 'true' });
    expect(await running.exited).toBe(78);
    expect(running.output()).toMatch(
      /ADMIN_TOKEN must be set when dev auth listens on a non-loopback HOST \(0\.0\.0\.0\)/,
    );
  });

  it('refuses JWKS mode without the issuer and audience (exit 78), naming them', async () => {
    const running = run({ PORT: '0', AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json' });
    expect(await running.exited).toBe(78);
    expect(running.output()).toMatch(/AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE must be set with AUTH_JWKS_URL/);
    const audienceOnly = run({
      PORT: '0',
      AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json',
      AUTH_JWT_ISSUER: 'https://idp.example/',
    });
    expect(await audienceOnly.exited).toBe(78);
    expect(audienceOnly.output()).toMatch(/AUTH_JWT_AUDIENCE must be set/);
    expect(audienceOnly.output()).not.toMatch(/AUTH_JWT_ISSUER must/);
  });

  it('starts on the embedded defaults, answers health and docs, and a second process on the same data directory fails fast', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'genledger-proc-'));
    const first = run({ DATA_DIR: dataDir, PORT: '0' });
    try {
      const url = await waitForListening(first);
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      const docs = (await (await fetch(`${url}/docs-json`)).json()) as { openapi: string };
      expect(docs.openapi).toMatch(/^3\./);

      const second = run({ DATA_DIR: dataDir, PORT: '0' });
      const started = Date.now();
      expect(await second.exited).not.toBe(0);
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(second.output()).toMatch(/already used by another genledger process \(pid \d+\)/);
    } finally {
      await stop(first);
    }
  });

  (hasPostgres() ? it : it.skip)('starts with DATABASE_URL set and reports PostgreSQL ready', async () => {
    const url = await createTestDatabase('proc');
    const running = run({ DATABASE_URL: url, PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'genledger-proc-')) });
    try {
      const base = await waitForListening(running);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as any).info.database.kind).toBe('postgres');
    } finally {
      await stop(running);
    }
  });
});
