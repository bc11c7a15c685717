import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { withClient } from './scratch-database';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly loadAverage: readonly number[];
  readonly node: string;
  readonly postgres: string;
}

/** What a reader needs to compare figures across runs: results only mean something beside these. */
export async function describeMachine(databaseUrl: string): Promise<Machine> {
  const postgres = await withClient(
    databaseUrl,
    async (client) => (await client.query<{ server_version: string }>('show server_version')).rows[0]!.server_version,
  );
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
    node: process.versions.node,
    postgres,
  };
}

export function machineLine(machine: Machine): string {
  return (
    `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, load ${machine.loadAverage.join(' ')}; ` +
    `Node ${machine.node}, PostgreSQL ${machine.postgres}`
  );
}

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}
