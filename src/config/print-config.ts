import { ConfigError, integer, raw, type Env } from './env';

/** How much print work (`POST /v1/generations/{id}/selection`) the service takes on. */
export interface PrintConfig {
  /** Largest print image (width x height pixels) a selection may ask for. */
  readonly maxPixels: number;
  /** Prints rendered at once by this process. */
  readonly concurrency: number;
  /** Selections that may wait for a render beyond those; more are answered 503 `print_busy`. */
  readonly queueLength: number;
  /** Selections that render, per user per minute, counted across replicas. */
  readonly perUserPerMinute: number;
  /** Distinct print sizes one generation may have (each is a JPEG and a PDF in media storage). */
  readonly sizesPerGeneration: number;
  /**
   * libuv's thread pool (`UV_THREADPOOL_SIZE`): a render holds one of its threads from start to
   * end, and file reads (`/media`), DNS and crypto need the others.
   */
  readonly threadPoolSize: number;
}

/** Threads libuv has by default; they are kept for everything but renders. */
const THREADS_BESIDE_RENDERS = 4;
/** Fewer free threads than this and a burst of `/media` reads would queue behind the renders. */
const MIN_THREADS_BESIDE_RENDERS = 2;
/** libuv's own ceiling for its pool. */
const MAX_THREAD_POOL_SIZE = 1024;

export function parsePrintConfig(env: Env): PrintConfig {
  const concurrency = integer(env, 'PRINT_CONCURRENCY', 1, 1, 64);
  const threadPoolSize = integer(
    env,
    'UV_THREADPOOL_SIZE',
    Math.min(MAX_THREAD_POOL_SIZE, concurrency + THREADS_BESIDE_RENDERS),
    1,
    MAX_THREAD_POOL_SIZE,
  );
  if (threadPoolSize < concurrency + MIN_THREADS_BESIDE_RENDERS) {
    throw new ConfigError(
      'UV_THREADPOOL_SIZE',
      `at least PRINT_CONCURRENCY (${concurrency}) + ${MIN_THREADS_BESIDE_RENDERS}, so renders leave threads for ` +
        'file reads (or leave it unset: the service sizes the pool itself)',
      raw(env, 'UV_THREADPOOL_SIZE'),
    );
  }
  return {
    maxPixels: integer(env, 'PRINT_MAX_PIXELS', 600_000_000, 1, 2_000_000_000),
    concurrency,
    queueLength: integer(env, 'PRINT_QUEUE_LENGTH', 2, 0, 1000),
    perUserPerMinute: integer(env, 'PRINT_RATE_LIMIT_PER_MINUTE', 5, 1, 1_000_000),
    sizesPerGeneration: integer(env, 'PRINT_SIZES_PER_GENERATION', 5, 1, 100),
    threadPoolSize,
  };
}
