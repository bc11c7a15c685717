import { Query } from '@nestjs/cqrs';
import type { AlertState } from '../domain/alert';

/** Alerts of every month by delivery state, for `/metrics`. */
export class CountAlerts extends Query<Record<AlertState, number>> {}
