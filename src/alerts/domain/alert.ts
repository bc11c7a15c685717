import { microsToDollars } from '../../billing/domain/money';

// The alerts the service sends (API.md "Buying credits and alerts") and the body every delivery
// carries. Pure: the rules decide, the outbox stores, the dispatcher signs and sends.

export const ALERT_TYPES = [
  'budget.threshold',
  'budget.forecast',
  'budget.tier_downgraded',
  'budget.tier_restored',
  'budget.hard_cap_reached',
  'provider.circuit_opened',
  'provider.circuit_closed',
] as const;

export type AlertType = (typeof ALERT_TYPES)[number];

export type AlertState = 'pending' | 'delivered' | 'dead';

/** An alert a rule decided on, before the outbox gives it an id. */
export interface NewAlert {
  /** Unique per alert that may be sent: a second decision with the same key is the same alert. */
  readonly key: string;
  readonly type: AlertType;
  readonly month: string;
  readonly at: Date;
  readonly data: Readonly<Record<string, unknown>>;
  /** One line for a Slack incoming webhook. */
  readonly text: string;
}

/** The JSON body of a delivery, fixed when the alert is recorded so that every attempt sends the same bytes. */
export function alertBody(alert: NewAlert): string {
  return JSON.stringify({ type: alert.type, timestamp: alert.at.toISOString(), data: alert.data, text: alert.text });
}

export function usd(micros: number): string {
  return `$${microsToDollars(micros).toFixed(2)}`;
}

/** The figures every budget alert carries. */
export function budgetData(month: string, spendMicros: number, capMicros: number): Record<string, unknown> {
  return { month, spendUsd: microsToDollars(spendMicros), capUsd: microsToDollars(capMicros) };
}
