#!/usr/bin/env node
// The one test command (README, CI): jest with the flags PGlite needs inside Jest's VM.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const requireFromHere = createRequire(import.meta.url);
const args = process.argv.slice(2);
const reliability = args.includes('--reliability');
const passThrough = args.filter((a) => a !== '--reliability');
// The process-level suites start the compiled service, and a type error must fail the run.
const build = spawnSync(
  process.execPath,
  [requireFromHere.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  {
    stdio: 'inherit',
  },
);
if (build.status !== 0) {
  console.error('The build failed (tsc -p tsconfig.build.json): fix the type errors above.');
  process.exit(build.status ?? 1);
}
const typecheck = spawnSync(
  process.execPath,
  [requireFromHere.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'],
  { stdio: 'inherit' },
);
if (typecheck.status !== 0) {
  console.error('The tests do not type-check (tsc -p tsconfig.json --noEmit).');
  process.exit(typecheck.status ?? 1);
}
const jest = requireFromHere.resolve('jest/bin/jest');
// Paths given on the command line come first: after `--roots` they would be read as more roots.
const jestArgs = reliability
  ? [
      ...passThrough,
      '--runInBand',
      '--testPathIgnorePatterns',
      '/node_modules/',
      '--roots',
      '<rootDir>/test/reliability/long',
    ]
  : passThrough;
const result = spawnSync(process.execPath, [jest, ...jestArgs], {
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_OPTIONS: [process.env.NODE_OPTIONS, '--experimental-vm-modules', '--no-warnings=ExperimentalWarning']
      .filter(Boolean)
      .join(' '),
  },
});
process.exit(result.status ?? 1);
