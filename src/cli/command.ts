import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { EventStore } from '../event-store/event-store';
import type { Projection } from '../event-store/projection';

/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** What a command may use. Resources are opened on first use and closed by the dispatcher. */
export interface CliContext {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** The event store on the service's database (from the same environment), migrated. */
  store(): Promise<EventStore>;
  /** Every projection of the service. */
  projections(): readonly Projection[];
}

export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full help, starting with a `Usage:` line. */
  readonly usage: string;
  /** Resolves to the process exit code. */
  run(args: readonly string[], context: CliContext): Promise<number>;
}

export const EXIT = { ok: 0, differences: 1, usage: 2, failure: 3 } as const;

/** A bad invocation: the dispatcher prints it with the command's usage and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** node:util parseArgs, strict, with its errors turned into usage errors. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function positiveInteger(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`${option} must be a positive integer (got ${JSON.stringify(value)})`);
  return Number(value);
}
