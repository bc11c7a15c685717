import { availableParallelism } from 'node:os';
import sharp from 'sharp';

/**
 * Process-wide libvips settings, set once at start-up.
 *
 * libvips keeps the results of recent operations (up to 50 MB, 100 operations, 20 open files by
 * default) in case the same pipeline runs again. The service renders each image once (a stored
 * generation, a print, a header read), so the cache only holds memory: after a 72 x 36 in print,
 * tens of MB of tiles stayed resident.
 *
 * Each image is worked on by `concurrency` libvips threads (besides the libuv thread that drives
 * it). With `PRINT_CONCURRENCY` prints rendering, their threads together take at most one CPU less
 * than the machine has, so the event loop serving the API and `/media` always has a CPU to run on.
 */
export function configureSharp(printConcurrency: number): void {
  sharp.cache(false);
  sharp.concurrency(libvipsThreadsPerImage(availableParallelism(), printConcurrency));
}

export function libvipsThreadsPerImage(cpus: number, printConcurrency: number): number {
  return Math.max(1, Math.floor((cpus - 1) / printConcurrency));
}
