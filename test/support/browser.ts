import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium as playwright, type Browser } from 'playwright-core';

/** Names a system Chromium or Chrome goes by, looked up on PATH; the first one that runs is used. */
const SYSTEM_CHROMIUM = (process.env.PATH ?? '')
  .split(delimiter)
  .filter(Boolean)
  .flatMap((dir) => ['chromium', 'chromium-browser', 'google-chrome'].map((name) => join(dir, name)));

/** Flags for a system Chromium: headless, no GPU, nothing phoning home. */
const SYSTEM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Left out of the npm build's recommended flags: two switch off the same-origin policy and allow
 * mixed content (the dashboard tests check what a real browser enforces), and `--single-process`
 * (needed on AWS Lambda) closes the browser when a second context opens.
 */
const NPM_ARGS_LEFT_OUT = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

/**
 * Under the C locale (`LANG=C.UTF-8`, usual in containers) Chromium reports the language as
 * `en-US@posix`, which `Intl` rejects, and uPlot throws on load. The page is tested in en-US.
 */
const LOCALE = { args: ['--lang=en-US'], env: { ...process.env, LANG: 'en_US.UTF-8', LANGUAGE: 'en_US' } };

export interface LaunchedChromium {
  readonly browser: Browser;
  /** Which build runs the tests: a system path, or `@sparticuz/chromium` with its version. */
  readonly source: string;
}

function systemChromium(): string | undefined {
  return SYSTEM_CHROMIUM.find(
    (path) => existsSync(path) && spawnSync(path, ['--version'], { timeout: 20_000 }).status === 0,
  );
}

/**
 * A headless Chromium for the browser tests: the system one when it is installed and runs, else
 * the build that `npm ci` brings (`@sparticuz/chromium`, unpacked into the OS temp directory on
 * first use). Never skips: if neither launches, the error says why.
 */
export async function launchChromium(): Promise<LaunchedChromium> {
  const system = systemChromium();
  if (system) {
    const browser = await playwright.launch({
      executablePath: system,
      args: [...SYSTEM_ARGS, ...LOCALE.args],
      env: LOCALE.env,
    });
    return { browser, source: system };
  }
  const { default: npmChromium } = await import('@sparticuz/chromium');
  const executablePath = await npmChromium.executablePath();
  const args = [...npmChromium.args.filter((arg) => !NPM_ARGS_LEFT_OUT.has(arg)), ...LOCALE.args];
  const browser = await playwright.launch({ executablePath, args, headless: true, env: LOCALE.env });
  return { browser, source: `@sparticuz/chromium (${browser.version()})` };
}
