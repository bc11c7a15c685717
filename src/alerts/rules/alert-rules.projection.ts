import type { Sql } from '../../database/database';
import type { Projection } from '../../event-store/projection';
import type { RecordedEvent } from '../../event-store/event-types';
import type { BudgetDefaults, HardCapReached, TierDowngraded, TierRestored } from '../../billing/domain/budget';
import { microsToDollars } from '../../billing/domain/money';
import { budgetView } from '../../billing/domain/budget';
import { fromBudgetRow, readBudgetMonth } from '../../billing/read-models/budget-months/budget-months.reads';
import { monthOf, utcDayOf } from '../../common/utc-time';
import { budgetData, usd, type NewAlert } from '../domain/alert';
import { forecastAlert, thresholdAlerts, watchWith, type MonthFigures } from '../domain/budget-rules';
import { alertedPercents, insertAlerts, readWatch, writeWatch } from '../outbox/alert-outbox.queries';

export const ALERT_RULES = 'alert_rules';

export interface AlertRulesSettings {
  readonly thresholdPercents: readonly number[];
  readonly forecastMinDays: number;
  readonly budgetDefaults: BudgetDefaults;
  /** Called after a batch that recorded alerts has committed. */
  readonly onRecorded?: () => void;
}

const BUDGET_STREAM = 'budget-';
const CIRCUIT_EVENTS: ReadonlySet<string> = new Set(['ProviderCircuitOpened', 'ProviderCircuitClosed']);

/** Budget stream events that alert on their own. */
type BudgetNotice = TierDowngraded | TierRestored | HardCapReached;
const NOTICES: ReadonlySet<string> = new Set(['TierDowngraded', 'TierRestored', 'HardCapReached']);

/** What a batch saw of one month: when, on which days money was spent, and the budget stream's tier events. */
interface MonthTouch {
  at: Date;
  readonly spendDays: Set<string>;
  readonly notices: Array<RecordedEvent<BudgetNotice>>;
}

/**
 * The alert rules as an async reactor on the event store: one runner across replicas, each batch
 * in one transaction with its checkpoint, so an alert is recorded exactly when the events that
 * cause it are committed and read, never for a change that rolled back. Not a rebuildable
 * projection: replaying it would alert again.
 */
export function alertRulesReactor(settings: AlertRulesSettings): Projection {
  return {
    name: ALERT_RULES,
    kind: 'async',
    eventTypes: [
      'ReservationCaptured',
      'ReservationReleased',
      'LateCostSettled',
      'BudgetCapSet',
      'TierDowngraded',
      'TierRestored',
      'HardCapReached',
      'ProviderCircuitOpened',
      'ProviderCircuitClosed',
    ],
    tables: [],
    async apply(tx: Sql, events: readonly RecordedEvent[]) {
      const months = touchedMonths(events.filter((event) => !CIRCUIT_EVENTS.has(event.type)));
      const alerts: NewAlert[] = events.filter((event) => CIRCUIT_EVENTS.has(event.type)).map(circuitAlert);
      for (const [month, touch] of months) alerts.push(...(await monthAlerts(tx, settings, month, touch)));
      if ((await insertAlerts(tx, alerts)) > 0 && settings.onRecorded) tx.afterCommit?.(settings.onRecorded);
      return undefined;
    },
  };
}

function touchedMonths(events: readonly RecordedEvent[]): Map<string, MonthTouch> {
  const months = new Map<string, MonthTouch>();
  for (const event of events) {
    const month = event.streamId.startsWith(BUDGET_STREAM)
      ? event.streamId.slice(BUDGET_STREAM.length)
      : monthOf(event.recordedAt);
    const touch = months.get(month) ?? { at: event.recordedAt, spendDays: new Set<string>(), notices: [] };
    if (event.recordedAt > touch.at) touch.at = event.recordedAt;
    if (spent(event) > 0) touch.spendDays.add(utcDayOf(event.recordedAt));
    if (NOTICES.has(event.type)) {
      touch.notices.push(event as RecordedEvent<BudgetNotice>);
    }
    months.set(month, touch);
  }
  return months;
}

/** Money an event adds to the month's spend (billed or unknown). */
function spent(event: RecordedEvent): number {
  const data = event.data as Record<string, number | undefined>;
  switch (event.type) {
    case 'ReservationCaptured':
      return (data.costMicros ?? 0) + (data.unknownMicros ?? 0);
    case 'ReservationReleased':
      return (data.billedMicros ?? 0) + (data.unknownMicros ?? 0);
    case 'LateCostSettled':
      return data.costMicros ?? 0;
    default:
      return 0;
  }
}

async function monthAlerts(tx: Sql, settings: AlertRulesSettings, month: string, touch: MonthTouch) {
  const { state, totals } = fromBudgetRow(await readBudgetMonth(tx, month));
  const view = budgetView(state, totals, settings.budgetDefaults);
  const figures: MonthFigures = {
    month,
    spendMicros: view.spendMicros + view.unknownMicros,
    capMicros: view.capMicros,
  };
  let watch = watchWith(await readWatch(tx, month), figures, null);
  for (const day of [...touch.spendDays].sort()) watch = watchWith(watch, figures, day);
  await writeWatch(tx, month, watch);
  // Spend first: a downgrade is decided by the image after the spend that reached a threshold.
  const alerts = thresholdAlerts(
    figures,
    watch,
    settings.thresholdPercents,
    await alertedPercents(tx, month),
    touch.at,
  );
  alerts.push(...touch.notices.map((event) => noticeAlert(event, month, figures)));
  const forecast = forecastAlert(figures, watch, settings.forecastMinDays, touch.at);
  if (forecast) alerts.push(forecast);
  return alerts;
}

function noticeAlert(event: RecordedEvent<BudgetNotice>, month: string, figures: MonthFigures): NewAlert {
  const key = `${event.type}:${event.globalPosition}`;
  if (event.type === 'TierDowngraded') {
    const downgrade = event.data as TierDowngraded['data'];
    const { spendMicros, capMicros, nextPremiumPriceMicros } = downgrade;
    return {
      key,
      type: 'budget.tier_downgraded',
      month,
      at: event.recordedAt,
      data: {
        ...budgetData(month, spendMicros, capMicros),
        reason: downgrade.reason,
        nextPremiumPriceUsd: microsToDollars(nextPremiumPriceMicros),
      },
      text: `Budget ${month}: Premium requests are now served by Standard; the next Premium image would pass the ${usd(capMicros)} soft cap (spent ${usd(spendMicros)})`,
    };
  }
  if (event.type === 'HardCapReached') {
    const reached = event.data as HardCapReached['data'];
    const committed = reached.spendMicros + reached.reservedMicros + reached.unknownMicros;
    return {
      key,
      type: 'budget.hard_cap_reached',
      month,
      at: event.recordedAt,
      data: {
        ...budgetData(month, reached.spendMicros + reached.unknownMicros, figures.capMicros),
        hardCapUsd: microsToDollars(reached.hardCapMicros),
        reservedUsd: microsToDollars(reached.reservedMicros),
        refusedPriceUsd: microsToDollars(reached.refusedPriceMicros),
      },
      text: `Budget ${month}: the ${usd(reached.hardCapMicros)} hard cap is reached; paid requests are refused (${usd(committed)} spent or held)`,
    };
  }
  const { reason } = event.data as TierRestored['data'];
  return {
    key,
    type: 'budget.tier_restored',
    month,
    at: event.recordedAt,
    data: { ...budgetData(month, figures.spendMicros, figures.capMicros), reason },
    text: `Budget ${month}: Premium is served again (${reason.replace(/_/g, ' ')}; spent ${usd(figures.spendMicros)} of ${usd(figures.capMicros)})`,
  };
}

function circuitAlert(event: RecordedEvent): NewAlert {
  const { provider } = event.data as { provider: string };
  const opened = event.type === 'ProviderCircuitOpened';
  const failures = (event.data as { consecutiveFailures?: number }).consecutiveFailures;
  return {
    key: `${event.type}:${event.globalPosition}`,
    type: opened ? 'provider.circuit_opened' : 'provider.circuit_closed',
    month: monthOf(event.recordedAt),
    at: event.recordedAt,
    data: { month: monthOf(event.recordedAt), provider, ...(opened ? { consecutiveFailures: failures } : {}) },
    text: opened
      ? `Provider ${provider}: circuit opened after ${failures} consecutive failures; requests fail fast or fall back`
      : `Provider ${provider}: circuit closed; the provider answers again`,
  };
}
