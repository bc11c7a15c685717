import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../common/domain-error';
import { Database } from '../../database/database';
import { AlertDispatcher } from '../dispatch/alert-dispatcher';
import { findAlert, requeueDead } from '../outbox/alert-outbox.queries';
import { alertView, type AlertView } from './alert-view';
import { RetryAlert } from './retry-alert.command';

@CommandHandler(RetryAlert)
export class RetryAlertHandler implements ICommandHandler<RetryAlert, AlertView> {
  constructor(
    private readonly database: Database,
    private readonly dispatcher: AlertDispatcher,
  ) {}

  async execute({ alertId }: RetryAlert): Promise<AlertView> {
    const requeued = await requeueDead(this.database, alertId);
    if (requeued) {
      this.dispatcher.wake();
      return alertView(requeued);
    }
    const existing = await findAlert(this.database, alertId);
    if (!existing) throw new DomainError('not_found', `No alert ${alertId}`);
    throw new DomainError('invalid_state', `Alert ${alertId} is ${existing.state}; only a dead alert can be retried`);
  }
}
