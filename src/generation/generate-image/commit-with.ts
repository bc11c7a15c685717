import type { Sql } from '../../database/database';
import type { CachedImage } from '../read-models/prompt-cache/prompt-cache.table';
import type { IdempotencyClaim } from './idempotency';

/**
 * What commits with a success's capture: the request's Idempotency-Key record (marked committed,
 * so that once the user is charged a retry with the key answers with this success) and the end of
 * its single flight (naming the key that served).
 */
export interface CommitWith {
  readonly claim?: IdempotencyClaim;
  readonly endFlight?: (tx: Sql, servedKey: string) => Promise<void>;
  /**
   * The request's cache keys, looked up again in the reservation's transaction: an image another
   * flight cached meanwhile rolls the reservation back and is answered instead (CachedMeanwhile).
   */
  readonly unlessCached?: readonly string[];
}

/** A cache entry found in the reservation's transaction: nothing was reserved, the entry serves. */
export class CachedMeanwhile extends Error {
  constructor(readonly entry: CachedImage) {
    super('an image for this request was cached meanwhile');
  }
}
