import { Query } from '@nestjs/cqrs';
import type { AlertView } from './alert-view';

/** This month's alerts (by the clock), oldest first. */
export class ListAlerts extends Query<{ alerts: AlertView[] }> {}
