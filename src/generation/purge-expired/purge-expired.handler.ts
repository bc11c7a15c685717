import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { IdempotencyStore } from '../generate-image/idempotency';
import { RATE_LIMIT_WINDOW_MS, RateLimiter } from '../generate-image/rate-limiter';
import { PurgeExpiredRows, type PurgedRows } from './purge-expired.command';
import { PurgedRowsTally } from './purged-rows';

const HOUR_MS = 3_600_000;

@CommandHandler(PurgeExpiredRows)
export class PurgeExpiredRowsHandler implements ICommandHandler<PurgeExpiredRows, PurgedRows> {
  constructor(
    private readonly idempotency: IdempotencyStore,
    private readonly rateLimiter: RateLimiter,
    private readonly tally: PurgedRowsTally,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ batchSize, maxBatches }: PurgeExpiredRows): Promise<PurgedRows> {
    const now = this.clock.now().getTime();
    const keysBefore = new Date(now - this.config.idempotencyRetentionHours * HOUR_MS);
    // The current window counts; the one before it may still take a hit from a replica whose
    // clock is a little behind. Anything older counts nothing.
    const windowsBefore = new Date(now - (now % RATE_LIMIT_WINDOW_MS) - RATE_LIMIT_WINDOW_MS);
    const run = {
      idempotencyKeys: await inBatches(batchSize, maxBatches, (limit) =>
        this.idempotency.purgeOlderThan(keysBefore, limit),
      ),
      rateLimitWindows: await inBatches(batchSize, maxBatches, (limit) =>
        this.rateLimiter.purgeBefore(windowsBefore, limit),
      ),
    };
    this.tally.record(run);
    return run;
  }
}

/** Deletes batch after batch until one comes back short or `maxBatches` ran; answers the total. */
async function inBatches(batchSize: number, maxBatches: number, purge: (limit: number) => Promise<number>) {
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const deleted = await purge(batchSize);
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}
