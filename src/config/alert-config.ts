import { ConfigError, integer, raw, url, type Env } from './env';

/** Budget and provider alerts (README "Alerts"): where they go and how hard delivery tries. */
export interface AlertConfig {
  /** Standard Webhooks target; unset: alerts are recorded and listed, not delivered. */
  readonly webhookUrl: string | undefined;
  /** `whsec_` + base64 key that signs every delivery. */
  readonly webhookSecret: string | undefined;
  /** Percentages of the soft cap that alert once each per month and cap, ascending. */
  readonly thresholdPercents: readonly number[];
  /** Delivery attempts before an alert is dead-lettered. */
  readonly maxAttempts: number;
  /** The wait after the first failed attempt; it doubles with each further failure. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Days of the month with spend before the month-end forecast may alert. */
  readonly forecastMinDays: number;
  /** One delivery's time limit; a lease is three of them, so a replica killed mid-delivery frees its alerts after that. */
  readonly deliveryTimeoutMs: number;
  /** How often an idle dispatcher looks for due alerts (it is also woken by new ones). */
  readonly dispatchIntervalMs: number;
}

const SECRET = /^whsec_[A-Za-z0-9+/]{16,}={0,2}$/;

function thresholds(env: Env): number[] {
  const value = raw(env, 'ALERT_THRESHOLDS');
  if (value === undefined) return [50, 80, 100];
  const parts = value.split(',').map((part) => part.trim());
  const expected = 'a comma-separated list of distinct whole percentages from 1 to 1000, such as 50,80,100';
  if (parts.some((part) => !/^\d{1,4}$/.test(part))) throw new ConfigError('ALERT_THRESHOLDS', expected, value);
  const numbers = parts.map(Number);
  if (numbers.some((n) => n < 1 || n > 1000) || new Set(numbers).size !== numbers.length) {
    throw new ConfigError('ALERT_THRESHOLDS', expected, value);
  }
  return numbers.sort((a, b) => a - b);
}

export function parseAlertConfig(env: Env): AlertConfig {
  const webhookUrl = url(env, 'ALERT_WEBHOOK_URL', ['http:', 'https:']);
  const webhookSecret = raw(env, 'ALERT_WEBHOOK_SECRET');
  if (webhookSecret !== undefined && !SECRET.test(webhookSecret)) {
    throw new ConfigError('ALERT_WEBHOOK_SECRET', 'whsec_ followed by a base64 key (at least 12 bytes)', '<redacted>');
  }
  if (webhookUrl !== undefined && webhookSecret === undefined) {
    throw new ConfigError(
      'ALERT_WEBHOOK_SECRET',
      'set whenever ALERT_WEBHOOK_URL is (deliveries are signed)',
      undefined,
    );
  }
  const retryBaseMs = integer(env, 'ALERT_RETRY_BASE_MS', 5_000, 1, 3_600_000);
  return {
    webhookUrl,
    webhookSecret,
    thresholdPercents: thresholds(env),
    maxAttempts: integer(env, 'ALERT_MAX_ATTEMPTS', 10, 1, 100),
    retryBaseMs,
    retryMaxMs: Math.max(retryBaseMs, integer(env, 'ALERT_RETRY_MAX_MS', 3_600_000, 1, 86_400_000)),
    forecastMinDays: integer(env, 'ALERT_FORECAST_MIN_DAYS', 3, 1, 28),
    deliveryTimeoutMs: integer(env, 'ALERT_DELIVERY_TIMEOUT_MS', 10_000, 100, 120_000),
    dispatchIntervalMs: integer(env, 'ALERT_DISPATCH_INTERVAL_MS', 1_000, 10, 600_000),
  };
}
