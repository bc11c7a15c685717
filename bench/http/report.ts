import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from '../support/machine';
import { repositoryRoot } from '../support/service-process';
import { barChartSvg } from '../support/svg-chart';
import type { Measured, Timing } from './measure';
import type { OverheadRow } from './provider-overhead';
import type { OneAtATimeRow, ReplicaRow, ThroughputRow } from './run';

export interface Report {
  readonly at: string;
  readonly machine: Machine;
  readonly settings: Timing & {
    connections: number;
    overheadConnections: readonly number[];
    providerLatencyMs: number;
    replicas: number;
  };
  readonly throughput: readonly ThroughputRow[];
  readonly oneAtATime: readonly OneAtATimeRow[];
  readonly overhead: readonly OverheadRow[];
  readonly replicas: readonly ReplicaRow[];
}

/** From the issue, at 50 concurrent users; Portkey was measured there at +4 ms p50 and +29 ms p99. */
export const TARGETS = { cacheHitRatio: 0.35, addedP50Ms: 3, addedP99Ms: 15, atConnections: 50 } as const;

/** Issue 16: a cache-hit POST at >= 0.7 of `GET /v1/credits` (one primary-key read) in the same run. */
export const HIT_TO_CREDITS_TARGET = 0.7;

/** Cache-hit POST req/s over `GET /v1/credits` req/s, both at the run's connections. */
export function hitToCreditsRatio(report: Pick<Report, 'throughput'>): number {
  const rate = (prefix: string) =>
    report.throughput.find((row) => row.scenario.startsWith(prefix))?.requestsPerSecond ?? Number.NaN;
  return rate('cache-hit') / rate('GET /v1/credits');
}

/** Prints the tables and returns the targets that were missed. */
export function printReport(report: Report): string[] {
  console.log('\nthroughput (requests/s of 2xx, latency of 2xx, peak RSS of the server process during the run)');
  console.table(
    report.throughput.flatMap((row) => [
      { scenario: row.scenario, server: 'bare Fastify', ...cells(row.bare), 'vs bare': '1.00x' },
      { scenario: '', server: 'genledger', ...cells(row), 'vs bare': `${row.ratio.toFixed(2)}x` },
    ]),
  );
  console.log(
    `cache-hit POST / GET /v1/credits: ${hitToCreditsRatio(report).toFixed(2)}x (target >= ${HIT_TO_CREDITS_TARGET})\n`,
  );
  console.log(`provider call: OpenAI endpoint answering after ${report.settings.providerLatencyMs} ms, unique prompts`);
  console.table(
    report.overhead.map((row) => ({
      path: row.path,
      connections: row.connections,
      ...cells(row),
      'added p50 ms': row.path === 'direct' ? '-' : signed(row.addedP50Ms),
      'added p99 ms': row.path === 'direct' ? '-' : signed(row.addedP99Ms),
    })),
  );
  if (report.replicas.length > 0) {
    console.log('replicas on one PostgreSQL (load split evenly across the processes)');
    const single = (scenario: string) => report.replicas.find((row) => row.scenario === scenario && row.replicas === 1);
    console.table(
      report.replicas.map((row) => ({
        scenario: row.scenario,
        replicas: row.replicas,
        ...cells(row),
        'vs 1 replica': `${(row.requestsPerSecond / (single(row.scenario)?.requestsPerSecond ?? Number.NaN)).toFixed(2)}x`,
      })),
    );
  }
  printWhereTheTimeGoes(report);
  return missedTargets(report);
}

/**
 * Per genledger run: CPU per request in the service and in PostgreSQL, PostgreSQL transactions per
 * request (every statement outside a transaction is one), under load and one request at a time,
 * and what the service's database sessions were doing on average (pg_stat_activity samples).
 * Transactions are counted for the whole database, so they include the service's background work
 * (async projection batches, the debounced NOTIFY, jobs), which load shares out over many requests.
 */
function printWhereTheTimeGoes(report: Report): void {
  const runs: Array<{ run: string; measured: Measured }> = [
    ...report.throughput.map((row) => ({
      run: `${row.scenario}, ${report.settings.connections} conn.`,
      measured: row as Measured,
    })),
    ...report.oneAtATime.map((row) => ({ run: `${row.scenario}, 1 conn.`, measured: row as Measured })),
    ...report.overhead
      .filter((row) => row.path === 'genledger')
      .map((row) => ({ run: `provider call, ${row.connections} conn.`, measured: row as Measured })),
    ...report.replicas.map((row) => ({
      run: `${row.scenario}, ${row.replicas} replica(s)`,
      measured: row as Measured,
    })),
  ];
  console.log('where the time goes (genledger runs; sessions = mean number of its PostgreSQL sessions in each state)');
  console.table(
    runs.map(({ run, measured }) => ({
      run,
      'service CPU ms/req': measured.perRequest?.serviceCpuMs.toFixed(2) ?? '-',
      'PG CPU ms/req': measured.perRequest?.postgresCpuMs.toFixed(2) ?? '-',
      'PG transactions/req': measured.perRequest?.transactions.toFixed(2) ?? '-',
      sessions: Object.entries(measured.activity?.sessions ?? {})
        .filter(([, mean]) => mean >= 0.05)
        .map(([state, mean]) => `${state} ${mean.toFixed(1)}`)
        .join(', '),
    })),
  );
}

function missedTargets(report: Report): string[] {
  const missed: string[] = [];
  const hits = report.throughput.find((row) => row.scenario.startsWith('cache-hit'));
  if (hits && hits.ratio < TARGETS.cacheHitRatio) {
    missed.push(`cache-hit throughput ${hits.ratio.toFixed(2)}x of bare Fastify < ${TARGETS.cacheHitRatio}x`);
  }
  const hitToCredits = hitToCreditsRatio(report);
  if (!(hitToCredits >= HIT_TO_CREDITS_TARGET)) {
    missed.push(`cache-hit POST ${hitToCredits.toFixed(2)}x of GET /v1/credits < ${HIT_TO_CREDITS_TARGET}x`);
  }
  const genledger = report.overhead.find(
    (row) => row.path === 'genledger' && row.connections === TARGETS.atConnections,
  );
  if (genledger && genledger.addedP50Ms > TARGETS.addedP50Ms) {
    missed.push(
      `added p50 at ${TARGETS.atConnections} connections ${genledger.addedP50Ms.toFixed(1)} ms > ${TARGETS.addedP50Ms} ms`,
    );
  }
  if (genledger && genledger.addedP99Ms > TARGETS.addedP99Ms) {
    missed.push(
      `added p99 at ${TARGETS.atConnections} connections ${genledger.addedP99Ms.toFixed(1)} ms > ${TARGETS.addedP99Ms} ms`,
    );
  }
  const failed = [
    ...report.throughput.flatMap((row) => [row, row.bare]),
    ...report.overhead,
    ...report.replicas,
  ].filter((row) => row.failed > 0);
  if (failed.length > 0)
    missed.push(`${failed.length} run(s) had non-2xx responses or errors (see statuses in the JSON)`);
  return missed;
}

function cells(row: Measured): Record<string, string> {
  return {
    'req/s': row.requestsPerSecond.toFixed(row.requestsPerSecond < 100 ? 1 : 0),
    'p50 ms': row.p50Ms.toFixed(1),
    'p99 ms': row.p99Ms.toFixed(1),
    'peak RSS MiB': row.peakRssMiB.toFixed(0),
    failed: String(row.failed),
  };
}

function replicaPanel(report: Report) {
  const scenarios = [...new Set(report.replicas.map((row) => row.scenario))];
  return {
    title: `Replicas on one PostgreSQL, ${report.settings.connections} connections in all (2xx requests/s)`,
    unit: 'req/s',
    groups: scenarios.map((scenario) => {
      const rows = report.replicas.filter((row) => row.scenario === scenario);
      const single = rows.find((row) => row.replicas === 1)?.requestsPerSecond ?? Number.NaN;
      return {
        label: scenario.replace(' (local provider)', ''),
        bars: rows.map((row) => ({
          label: `${row.replicas} replica${row.replicas > 1 ? 's' : ''}`,
          value: row.requestsPerSecond,
          note: `(${(row.requestsPerSecond / single).toFixed(2)}x)`,
        })),
      };
    }),
  };
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;
}

/** docs/bench-http.svg: throughput against the ceiling, and the provider-call latency against the baselines. */
export function writeChart(report: Report): string {
  const overheadPanels = report.settings.overheadConnections.map((connections) => ({
    title: `Provider call, ${report.settings.providerLatencyMs} ms upstream, ${connections} connection(s): latency`,
    unit: 'ms',
    groups: (['p50Ms', 'p99Ms'] as const).map((key) => ({
      label: key === 'p50Ms' ? 'p50' : 'p99',
      bars: report.overhead
        .filter((row) => row.connections === connections)
        .map((row) => ({
          label: row.path,
          value: row[key],
          note: row.path === 'direct' ? undefined : `(${signed(key === 'p50Ms' ? row.addedP50Ms : row.addedP99Ms)} ms)`,
        })),
    })),
  }));
  const svg = barChartSvg(
    'genledger HTTP benchmark',
    `${report.machine.cpus} CPUs, ${report.machine.memoryGiB} GiB, load ${report.machine.loadAverage[0]}, Node ${report.machine.node}, ` +
      `PostgreSQL ${report.machine.postgres.split(' ')[0]}; ${report.settings.seconds} s runs, ${report.at.slice(0, 10)}`,
    [
      {
        title: `Throughput, ${report.settings.connections} connections (2xx requests/s)`,
        unit: 'req/s',
        groups: report.throughput.map((row) => ({
          label: row.scenario.replace(' (local provider)', ''),
          bars: [
            { label: 'bare Fastify', value: row.bare.requestsPerSecond },
            { label: 'genledger', value: row.requestsPerSecond, note: `(${row.ratio.toFixed(2)}x)` },
          ],
        })),
      },
      ...overheadPanels,
      ...(report.replicas.length === 0 ? [] : [replicaPanel(report)]),
    ],
  );
  const file = join(repositoryRoot(), 'docs', 'bench-http.svg');
  writeFileSync(file, svg);
  return file;
}
