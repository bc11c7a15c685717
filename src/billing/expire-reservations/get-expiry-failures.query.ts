import { Query } from '@nestjs/cqrs';
import type { ExpiryFailuresReport } from './expiry-failures';

/** The reservations this process's expiry job failed to release (for /metrics). */
export class GetExpiryFailures extends Query<ExpiryFailuresReport> {}
