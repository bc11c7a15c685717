import { Injectable } from '@nestjs/common';
import type { PurgedRows } from './purge-expired.command';

/** What this process's retention runs deleted since it started (for /metrics). */
@Injectable()
export class PurgedRowsTally {
  private idempotencyKeys = 0;
  private rateLimitWindows = 0;

  record(run: PurgedRows): void {
    this.idempotencyKeys += run.idempotencyKeys;
    this.rateLimitWindows += run.rateLimitWindows;
  }

  totals(): PurgedRows {
    return { idempotencyKeys: this.idempotencyKeys, rateLimitWindows: this.rateLimitWindows };
  }
}
