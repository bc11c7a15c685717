import { libvipsThreadsPerImage } from './sharp-settings';

describe('libvipsThreadsPerImage', () => {
  it.each([
    [1, 1, 1],
    [2, 1, 1],
    [8, 1, 7],
    [8, 3, 2],
    [8, 16, 1],
  ])('on %i CPUs with %i prints at once gives each %i threads', (cpus, printConcurrency, threads) => {
    expect(libvipsThreadsPerImage(cpus, printConcurrency)).toBe(threads);
  });
});
