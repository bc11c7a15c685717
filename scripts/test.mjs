#!/usr/bin/env node
// The one test command (README, CI): jest with the flags PGlite needs inside Jest's VM.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const reliability = args.includes('--reliability');
const passThrough = args.filter((a) => a !== '--reliability');
const jest = require.resolve('jest/bin/jest');
const jestArgs = reliability
  ? ['--runInBand', '--testPathIgnorePatterns', '/node_modules/', '--roots', '<rootDir>/test/reliability', ...passThrough]
  : passThrough;
const result = spawnSync(process.execPath, [jest, ...jestArgs], {
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_OPTIONS: [process.env.NODE_OPTIONS, '--experimental-vm-modules', '--no-warnings=ExperimentalWarning'].filter(Boolean).join(' '),
  },
});
process.exit(result.status ?? 1);
