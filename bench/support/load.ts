import autocannon from 'autocannon';

export interface LoadRequest {
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Called for every request, so prompts and users can vary. */
  readonly next: () => LoadRequest;
}

export interface LoadResult {
  readonly ok: number;
  readonly failed: number;
  readonly statuses: Record<string, number>;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Requests slower than this count as failed, so a stuck run still ends on time. */
const REQUEST_TIMEOUT_SECONDS = 20;

interface RawRun {
  readonly ok: number;
  readonly failed: number;
  readonly statuses: Record<string, number>;
  readonly seconds: number;
  readonly latencies: number[];
}

/**
 * One autocannon run against one URL. Latency percentiles come from autocannon's per-response
 * times (sub-millisecond) rather than its histogram, which rounds to whole milliseconds: the
 * overhead targets are a few milliseconds. Only 2xx responses count towards latency and rate.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  return summarise([await run(options)]);
}

/** Several runs at once, one per replica, added up as if one load balancer spread them. */
export async function runLoadSpread(runs: readonly LoadOptions[]): Promise<LoadResult> {
  return summarise(await Promise.all(runs.map(run)));
}

function summarise(runs: readonly RawRun[]): LoadResult {
  const statuses: Record<string, number> = {};
  for (const { statuses: counts } of runs) {
    for (const [code, count] of Object.entries(counts)) statuses[code] = (statuses[code] ?? 0) + count;
  }
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    ok: runs.reduce((sum, r) => sum + r.ok, 0),
    failed: runs.reduce((sum, r) => sum + r.failed, 0),
    statuses,
    requestsPerSecond: runs.reduce((sum, r) => sum + r.ok / r.seconds, 0),
    p50Ms: percentileOfSorted(latencies, 50),
    p99Ms: percentileOfSorted(latencies, 99),
  };
}

function run(options: LoadOptions): Promise<RawRun> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        timeout: REQUEST_TIMEOUT_SECONDS,
        requests: [
          {
            setupRequest: (request) => {
              const next = options.next();
              const body = next.body === undefined ? undefined : JSON.stringify(next.body);
              const headers = {
                ...request.headers,
                ...next.headers,
                ...(body === undefined ? {} : { 'content-type': 'application/json' }),
              };
              return {
                ...request,
                method: next.method ?? (body === undefined ? 'GET' : 'POST'),
                path: next.path,
                headers,
                body,
              };
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const statuses = Object.fromEntries(
          Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
        );
        if (result.errors > 0) statuses.errors = result.errors;
        if (result.timeouts > 0) statuses.timeouts = result.timeouts;
        resolve({
          ok: result['2xx'],
          failed: result.non2xx + result.errors + result.timeouts,
          statuses,
          seconds: result.duration,
          latencies,
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTimeMs: number) => {
      if (status >= 200 && status < 300) latencies.push(responseTimeMs);
    });
  });
}

export function percentileOfSorted(sorted: readonly number[], at: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((at / 100) * sorted.length) - 1));
  return sorted[index]!;
}
