import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { monthOf } from '../../common/utc-time';
import { Database } from '../../database/database';
import { alertsOfMonth } from '../outbox/alert-outbox.queries';
import { alertView, type AlertView } from './alert-view';
import { ListAlerts } from './list-alerts.query';

@QueryHandler(ListAlerts)
export class ListAlertsHandler implements IQueryHandler<ListAlerts, { alerts: AlertView[] }> {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  async execute(query: ListAlerts): Promise<{ alerts: AlertView[] }> {
    const rows = await alertsOfMonth(this.database, query.month ?? monthOf(this.clock.now()));
    return { alerts: rows.map(alertView) };
  }
}
