import type { Clock } from '../../common/clock';
import type { Database } from '../../database/database';
import { RateLimiter } from '../generate-image/rate-limiter';

/**
 * Selections that render, per user per minute (PRINT_RATE_LIMIT_PER_MINUTE): the same one-minute
 * windows in PostgreSQL as the generation limit, so every replica shares them.
 */
export class PrintRateLimiter extends RateLimiter {
  constructor(database: Database, clock: Clock, perMinute: number) {
    super(database, clock, perMinute, 'print selections');
  }
}
