import { setFlagsFromString } from 'node:v8';
import type { PGliteOptions } from '@electric-sql/pglite';

/**
 * PostgreSQL settings for the embedded database. PGlite runs PostgreSQL inside one WebAssembly
 * memory that grows but never shrinks, and PostgreSQL zeroes its shared buffers at start-up, so
 * `shared_buffers` (128 MB from initdb) is resident from the first second whether it caches
 * anything or not. The embedded default serves one operator's data; its tables are read through
 * the operating system's file cache, which is shared and can be reclaimed. Measured with
 * `npm run bench:memory` (docs/benchmarks-memory.md).
 */
const EMBEDDED_POSTGRES_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  // A migration's CREATE INDEX may use all of it, and the WebAssembly memory keeps what it touched.
  maintenance_work_mem: '16MB',
};

type StartOptions = Pick<PGliteOptions, 'startParams'>;

/** Command-line settings: unlike `postgresqlconf`, they leave the data directory's postgresql.conf alone. */
export function embeddedPostgresOptions(defaultStartParams: readonly string[]): StartOptions {
  return {
    startParams: [
      ...defaultStartParams,
      ...Object.entries(EMBEDDED_POSTGRES_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
  };
}

/**
 * V8 compiles WebAssembly twice: at once with its baseline compiler (Liftoff), then the hot
 * functions again, optimised, in the background (TurboFan). For PGlite's 9 MB module the second
 * tier held about 65 MB more at idle. The embedded default trades that for slower statements
 * (see docs/benchmarks-memory.md); PGlite is the only WebAssembly the service runs, so nothing
 * else is affected. The flag is read when a module is compiled: this must run before PGlite loads.
 */
export function useCompactWasmCode(): void {
  setFlagsFromString('--liftoff-only');
}
