import type { AsyncProjectionRunner } from '../../src/event-store/async-projection-runner';
import { comparePositions, readCheckpoint } from '../../src/event-store/checkpoints';
import type { Checkpoint } from '../../src/event-store/event-types';

/**
 * Resolves once the runner's shared checkpoint (whichever replica leads) has passed every event
 * committed when it was called. The horizon of running transactions is cluster-wide, so a
 * transaction open in any database of the cluster can hold this back.
 */
export async function waitUntilCaughtUp(runner: AsyncProjectionRunner, timeoutMs = 10_000): Promise<void> {
  const database = runner.store.database;
  const name = runner.projection.name;
  const deadline = Date.now() + timeoutMs;
  const [newest] = await database.query<{ transaction_id: string; global_position: number }>(
    `SELECT transaction_id::text AS transaction_id, global_position FROM events
      ORDER BY events.transaction_id DESC, global_position DESC LIMIT 1`,
  );
  if (!newest) return;
  const target: Checkpoint = { transactionId: newest.transaction_id, globalPosition: Number(newest.global_position) };
  for (;;) {
    runner.wake();
    const reached = await readCheckpoint(database, name, { lock: false });
    if (comparePositions(reached, target) >= 0) return;
    if (Date.now() > deadline) throw new Error(`Projection ${name} did not catch up within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
