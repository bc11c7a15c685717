import { Command } from '@nestjs/cqrs';

/** Rows one retention run deleted, by table. */
export interface PurgedRows {
  readonly idempotencyKeys: number;
  readonly rateLimitWindows: number;
}

/**
 * Deletes idempotency keys older than IDEMPOTENCY_RETENTION_HOURS and rate-limit windows past
 * their minute, in batches of `batchSize`, at most `maxBatches` per table per run (a backlog is
 * worked off over the next runs, never in one long statement).
 */
export class PurgeExpiredRows extends Command<PurgedRows> {
  constructor(
    readonly batchSize = 1000,
    readonly maxBatches = 20,
  ) {
    super();
  }
}
