import { Query } from '@nestjs/cqrs';
import type { AlertView } from './alert-view';

/** A month's alerts (default: this month by the clock), oldest first. */
export class ListAlerts extends Query<{ alerts: AlertView[] }> {
  constructor(readonly month?: string) {
    super();
  }
}
