import { parsePrintConfig } from './print-config';

/**
 * Imported first by the entry point, before anything can queue work on libuv's thread pool:
 * libuv reads UV_THREADPOOL_SIZE once, when the pool is first used, and some dependencies use it
 * while they load. Each print render holds one pool thread from start to end, so the pool gets
 * PRINT_CONCURRENCY threads more than libuv's default 4 (README "Configuration"), and file
 * reads for `/media` never queue behind renders. A bad value is left for the config parser,
 * which stops the process naming it.
 */
try {
  process.env.UV_THREADPOOL_SIZE = String(parsePrintConfig(process.env).threadPoolSize);
} catch {
  // parseConfig reports it.
}
