import { readFileSync } from 'node:fs';
import { Client } from 'pg';

/** Where the time went during a run, from PostgreSQL's side and from the operating system's. */
export interface Activity {
  /** Mean number of the service's sessions in each state: "running", "idle", "Lock:advisory"... */
  readonly sessions: Record<string, number>;
  /** Transactions of the database, a statement run outside a transaction counting as one. */
  readonly commits: number;
  readonly rollbacks: number;
  /** CPU time of the PostgreSQL backends serving this database, in ms. */
  readonly postgresCpuMs: number;
  /** CPU time of the service processes, in ms. */
  readonly serviceCpuMs: number;
}

export interface ActivityWatch {
  stop(): Promise<Activity>;
}

const SAMPLE_EVERY_MS = 50;
const TICKS_PER_SECOND = 100;

/**
 * Samples pg_stat_activity for one database while a run goes on. A session waiting for a lock
 * or for its client is not using the CPU: the mix says whether a slow run was computing,
 * queueing behind a lock, or waiting for the service to send its next statement.
 */
export async function watchDatabase(databaseUrl: string, servicePids: readonly number[]): Promise<ActivityWatch> {
  const database = new URL(databaseUrl).pathname.slice(1);
  // The statistics views cover the whole server: watching from another database keeps the sampling
  // queries (20 a second) out of the watched database's transaction count.
  const monitorUrl = new URL(databaseUrl);
  monitorUrl.pathname = database === 'postgres' ? '/template1' : '/postgres';
  const client = new Client({ connectionString: monitorUrl.toString(), application_name: 'genledger-bench-monitor' });
  await client.connect();
  const counts = new Map<string, number>();
  const backendCpuAtStart = new Map<number, number>();
  const backendCpuLast = new Map<number, number>();
  let samples = 0;
  let sampling = true;
  const totals = async () =>
    (
      await client.query<{ xact_commit: string; xact_rollback: string }>(
        'select xact_commit, xact_rollback from pg_stat_database where datname = $1',
        [database],
      )
    ).rows[0]!;
  const before = await totals();
  const serviceCpuBefore = servicePids.map(cpuMs);

  const sample = async (): Promise<void> => {
    const { rows } = await client.query<{
      pid: number;
      state: string | null;
      wait_event_type: string | null;
      wait_event: string | null;
    }>(
      `select pid, state, wait_event_type, wait_event from pg_stat_activity
        where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'`,
      [database],
    );
    samples += 1;
    for (const row of rows) {
      const key =
        row.state !== 'active'
          ? (row.state ?? 'unknown')
          : row.wait_event_type
            ? `${row.wait_event_type}:${row.wait_event}`
            : 'running';
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const cpu = cpuMs(row.pid);
      if (!backendCpuAtStart.has(row.pid)) backendCpuAtStart.set(row.pid, samples === 1 ? cpu : 0);
      backendCpuLast.set(row.pid, cpu);
    }
  };
  const loop = (async () => {
    while (sampling) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
    }
  })();

  return {
    async stop() {
      sampling = false;
      await loop;
      const after = await totals();
      await client.end();
      let postgresCpuMs = 0;
      for (const [pid, start] of backendCpuAtStart) postgresCpuMs += (backendCpuLast.get(pid) ?? start) - start;
      return {
        sessions: Object.fromEntries(
          [...counts].sort((a, b) => b[1] - a[1]).map(([key, count]) => [key, count / Math.max(samples, 1)]),
        ),
        commits: Number(after.xact_commit) - Number(before.xact_commit),
        rollbacks: Number(after.xact_rollback) - Number(before.xact_rollback),
        postgresCpuMs,
        serviceCpuMs: servicePids.reduce((sum, pid, i) => sum + cpuMs(pid) - serviceCpuBefore[i]!, 0),
      };
    },
  };
}

/** utime + stime of a process (Linux /proc), in ms; 0 once it has gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
