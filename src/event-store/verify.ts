import type { EventStore } from './event-store';
import { START, type Checkpoint } from './event-types';
import { scratchTables, type Projection } from './projection';
import { createTables, diffTable, type RowDifference } from './projection-tables';
import { readCheckpoint } from './checkpoints';
import { replayInTransaction, startProgress, type ReplayOptions } from './replay-steps';

export interface VerifyOptions extends ReplayOptions {
  /** How many differing rows to return per table and side. */
  readonly maxDifferences?: number;
}

export interface VerifyResult {
  readonly name: string;
  readonly events: number;
  readonly matches: boolean;
  /** Every differing row, counted; `differences` holds only the first ones. */
  readonly differenceCount: number;
  readonly differences: readonly RowDifference[];
}

/**
 * Rebuilds into temporary scratch tables and compares them with the live rows, in one transaction
 * that keeps the live state still: the checkpoint row FOR UPDATE for an async projection (the
 * scratch rows are built from zero up to exactly the live checkpoint), a SHARE lock on the live
 * tables for an inline one (writers wait; the scratch rows are built from everything committed).
 * The transaction is rolled back: verify changes nothing.
 */
export async function verify(
  store: EventStore,
  projection: Projection,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const progress = await startProgress(store, projection, options);
  const limit = options.maxDifferences ?? 20;
  const scratch = scratchTables(projection);
  let result: VerifyResult | undefined;
  await store.database
    .transaction(async (tx) => {
      let bound: { upTo?: Checkpoint; allCommitted?: boolean };
      if (projection.kind === 'async') {
        bound = { upTo: await readCheckpoint(tx, projection.name, { lock: true }) };
      } else {
        await tx.query(`LOCK TABLE ${projection.tables.map((table) => table.name).join(', ')} IN SHARE MODE`);
        bound = { allCommitted: true };
      }
      await createTables(tx, projection, scratch);
      await replayInTransaction(tx, store, projection, scratch, START, bound, options, progress.add);
      let differenceCount = 0;
      const differences: RowDifference[] = [];
      for (const table of projection.tables) {
        const diff = await diffTable(tx, table, scratch[table.name], limit);
        differenceCount += diff.total;
        differences.push(...diff.differences);
      }
      const { events } = progress.result();
      result = { name: projection.name, events, matches: differenceCount === 0, differenceCount, differences };
      throw ROLL_BACK;
    })
    .catch((error: unknown) => {
      if (error !== ROLL_BACK) throw error;
    });
  return result as VerifyResult;
}

const ROLL_BACK = Symbol('roll back verify');
