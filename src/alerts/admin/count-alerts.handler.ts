import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Database } from '../../database/database';
import type { AlertState } from '../domain/alert';
import { countAlerts } from '../outbox/alert-outbox.queries';
import { CountAlerts } from './count-alerts.query';

@QueryHandler(CountAlerts)
export class CountAlertsHandler implements IQueryHandler<CountAlerts, Record<AlertState, number>> {
  constructor(private readonly database: Database) {}

  execute(): Promise<Record<AlertState, number>> {
    return countAlerts(this.database);
  }
}
