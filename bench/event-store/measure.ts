/** Units per second that `workers` concurrent loops of `operation` sustain for `seconds`. */
export async function throughput(
  seconds: number,
  workers: number,
  operation: (worker: number, iteration: number) => Promise<number>,
): Promise<number> {
  let units = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let iteration = 0; performance.now() < deadline; iteration++) {
        const done = await operation(worker, iteration);
        units += done;
      }
    }),
  );
  return units / ((performance.now() - started) / 1000);
}

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

export function perSecond(value: number): string {
  return `${Math.round(value).toLocaleString('en-US')}/s`;
}

export function ratio(ours: number, other: number): string {
  return other > 0 ? (ours / other).toFixed(2) : 'n/a';
}

export function note(message: string): void {
  process.stderr.write(`[bench:event-store] ${message}\n`);
}
