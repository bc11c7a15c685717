import sharp from 'sharp';

/**
 * libvips keeps the results of recent operations (up to 50 MB, 100 operations, 20 open files by
 * default) in case the same pipeline runs again. The service renders each image once (a stored
 * generation, a print, a header read), so the cache only holds memory: after a 72 x 36 in print,
 * tens of MB of tiles stayed resident. Set once, for the whole process, at start-up.
 */
export function configureSharp(): void {
  sharp.cache(false);
}
