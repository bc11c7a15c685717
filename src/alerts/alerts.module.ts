import { Module } from '@nestjs/common';
import { AlertsController } from './admin/alerts.controller';
import { CountAlertsHandler } from './admin/count-alerts.handler';
import { ListAlertsHandler } from './admin/list-alerts.handler';
import { RetryAlertHandler } from './admin/retry-alert.handler';
import { AlertDispatcher } from './dispatch/alert-dispatcher';
import { AlertRulesRunner } from './rules/alert-rules.runner';

/**
 * Budget and provider alerts: rules that read the events into a transactional outbox, and a
 * dispatcher that delivers it as signed webhooks (README "Alerts").
 */
@Module({
  controllers: [AlertsController],
  providers: [AlertDispatcher, AlertRulesRunner, ListAlertsHandler, RetryAlertHandler, CountAlertsHandler],
  exports: [AlertRulesRunner, AlertDispatcher],
})
export class AlertsModule {}
