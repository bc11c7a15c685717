import { Injectable } from '@nestjs/common';

/** A reservation the expiry job could not release (its user's account failed). */
export interface ExpiryFailure {
  readonly reservationId: string;
  readonly userId: string;
  readonly message: string;
  readonly at: string;
}

const FAILURES_KEPT = 50;

/**
 * Reservations the expiry job failed to release in this process: how many in all (for /metrics)
 * and the latest ones. Each run tries them again, so a lasting failure keeps counting.
 */
@Injectable()
export class ExpiryFailures {
  private total = 0;
  private latest: ExpiryFailure[] = [];
  /** Users whose account failed in the last run: the next run takes every other user first. */
  private failingUsers = new Set<string>();

  record(failures: readonly ExpiryFailure[]): void {
    this.total += failures.length;
    this.latest = [...this.latest, ...failures].slice(-FAILURES_KEPT);
  }

  /** The users a run failed for; a run's list replaces the last one's. */
  setFailingUsers(userIds: Iterable<string>): void {
    this.failingUsers = new Set(userIds);
  }

  failingUserIds(): string[] {
    return [...this.failingUsers];
  }

  report(): ExpiryFailuresReport {
    return { total: this.total, latest: this.latest };
  }
}

export interface ExpiryFailuresReport {
  readonly total: number;
  readonly latest: readonly ExpiryFailure[];
}
