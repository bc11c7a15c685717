import type { ChildService } from '../support/service-process';
import { watchDatabase, type Activity } from '../support/database-activity';
import { runLoad, runLoadSpread, type LoadOptions, type LoadResult } from '../support/load';

export interface Timing {
  readonly seconds: number;
  readonly warmupSeconds: number;
}

export type Measured = LoadResult & {
  readonly peakRssMiB: number;
  /** For runs against genledger: what the service and its database did per request. */
  readonly perRequest?: {
    readonly serviceCpuMs: number;
    readonly postgresCpuMs: number;
    readonly transactions: number;
  };
  readonly activity?: Activity;
};

export type Target = Pick<LoadOptions, 'url' | 'next'>;

/**
 * A warm-up run (JIT, connection pools, caches) that is thrown away, then the measured run. Peak
 * RSS is the largest of the processes under load, over the measured run only. With a database
 * URL, the run also records what the service and PostgreSQL spent per request.
 */
export async function warmThenMeasure(
  processes: readonly ChildService[],
  targets: readonly Target[],
  connections: number,
  timing: Timing,
  databaseUrl?: string,
): Promise<Measured> {
  const load = (durationSeconds: number): Promise<LoadResult> =>
    targets.length === 1
      ? runLoad({ ...targets[0]!, connections, durationSeconds })
      : runLoadSpread(
          targets.map((target) => ({
            ...target,
            durationSeconds,
            connections: Math.ceil(connections / targets.length),
          })),
        );
  await load(timing.warmupSeconds);
  for (const process of processes) process.resetPeakRss();
  const watch = databaseUrl
    ? await watchDatabase(
        databaseUrl,
        processes.map((process) => process.pid),
      )
    : undefined;
  const result = await load(timing.seconds);
  const activity = await watch?.stop();
  const peakRssMiB = Math.max(...processes.map((process) => process.peakRssMiB()));
  if (!activity) return { ...result, peakRssMiB };
  const served = Math.max(1, result.ok + result.failed);
  return {
    ...result,
    peakRssMiB,
    perRequest: {
      serviceCpuMs: activity.serviceCpuMs / served,
      postgresCpuMs: activity.postgresCpuMs / served,
      transactions: (activity.commits + activity.rollbacks) / served,
    },
    activity,
  };
}
