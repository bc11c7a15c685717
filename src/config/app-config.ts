import { resolve } from 'node:path';
import { parseAccess, type AuthConfig } from './auth-config';
import { ConfigError, integer, oneOf, raw, redactUrl, url, type Env } from './env';

import { parsePrintConfig, type PrintConfig } from './print-config';
import { parseAlertConfig, type AlertConfig } from './alert-config';
import { parsePurchaseConfig, type PurchaseConfig } from './purchase-config';

export { ConfigError } from './env';
export type { AuthConfig } from './auth-config';
export type { AlertConfig } from './alert-config';
export type { CreditPack, PurchaseConfig } from './purchase-config';

/** Every setting of the service, parsed once at start-up (STYLE.md rule 10). */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  /** Connections this process keeps to PostgreSQL (DATABASE_POOL_SIZE; the embedded PGlite has one). */
  readonly databasePoolSize: number;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly auth: AuthConfig;
  /** When set, `/metrics` needs `Authorization: Bearer <METRICS_TOKEN>`. */
  readonly metricsToken: string | undefined;
  /** Idempotency keys older than this are purged by the retention job. */
  readonly idempotencyRetentionHours: number;
  readonly freeDailyQuota: number;
  readonly creditsPerPremium: number;
  readonly creditsPerStandard: number;
  readonly defaultTier: Tier;
  readonly budgetMonthlyCapMicros: number;
  readonly budgetHardCapMicros: number | undefined;
  readonly rateLimitPerMinute: number;
  readonly reservationTimeoutSeconds: number;
  /** One generation's whole time with the providers: attempts, back-off waits and the fallback. */
  readonly providerDeadlineSeconds: number;
  readonly openai: {
    readonly apiKey: string | undefined;
    readonly baseUrl: string | undefined;
    readonly imageModel: OpenAIImageModel;
  };
  readonly fal: { readonly key: string | undefined; readonly baseUrl: string | undefined; readonly imageModel: string };
  readonly cloudinaryUrl: string | undefined;
  readonly publicBaseUrl: string;
  readonly logLevel: LogLevel;
  readonly print: PrintConfig;
  readonly jobIntervalSeconds: number;
  readonly alerts: AlertConfig;
  readonly purchases: PurchaseConfig;
}

export type Tier = 'premium' | 'standard';
export type OpenAIImageModel = 'dall-e-3' | 'gpt-image-1';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const MICROS_PER_DOLLAR = 1_000_000;

/**
 * How much longer than the provider deadline a reservation must live: the time to store the image
 * and capture after the last provider answer, so a live call never outlives its reservation.
 */
export const RESERVATION_MARGIN_SECONDS = 15;

function dollarsAsMicros(env: Env, name: string, fallback: number | undefined): number | undefined {
  const value = raw(env, name);
  if (value === undefined) return fallback === undefined ? undefined : Math.round(fallback * MICROS_PER_DOLLAR);
  if (!/^\d+(\.\d{1,6})?$/.test(value) || Number(value) > 1_000_000_000) {
    throw new ConfigError(name, 'a non-negative amount of US dollars (at most 6 decimals)', value);
  }
  return Math.round(Number(value) * MICROS_PER_DOLLAR);
}

function host(env: Env): string {
  const value = raw(env, 'HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:_-]+$/.test(value)) throw new ConfigError('HOST', 'a host name or IP address', value);
  return value;
}

export function parseConfig(env: Env = process.env): AppConfig {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const bindHost = host(env);
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const dataDir = resolve(raw(env, 'DATA_DIR') ?? './data');

  const { auth, adminToken, metricsToken } = parseAccess(env, bindHost);

  const cap = dollarsAsMicros(env, 'BUDGET_MONTHLY_CAP_USD', 100) as number;
  const hardCap = dollarsAsMicros(env, 'BUDGET_HARD_CAP_USD', undefined);
  if (hardCap !== undefined && hardCap < cap) {
    throw new ConfigError('BUDGET_HARD_CAP_USD', 'at least BUDGET_MONTHLY_CAP_USD', raw(env, 'BUDGET_HARD_CAP_USD'));
  }

  const reservationTimeoutSeconds = integer(env, 'RESERVATION_TIMEOUT_SECONDS', 120, 1, 86_400);
  const providerDeadlineSeconds = integer(env, 'PROVIDER_DEADLINE_SECONDS', 90, 1, 3600);
  if (reservationTimeoutSeconds < providerDeadlineSeconds + RESERVATION_MARGIN_SECONDS) {
    throw new ConfigError(
      'RESERVATION_TIMEOUT_SECONDS',
      `at least PROVIDER_DEADLINE_SECONDS (${providerDeadlineSeconds}) + ${RESERVATION_MARGIN_SECONDS} = ` +
        `${providerDeadlineSeconds + RESERVATION_MARGIN_SECONDS} seconds, so no reservation expires while its ` +
        'provider call may still run (lower PROVIDER_DEADLINE_SECONDS or raise RESERVATION_TIMEOUT_SECONDS)',
      raw(env, 'RESERVATION_TIMEOUT_SECONDS') ?? String(reservationTimeoutSeconds),
    );
  }

  const cloudinaryUrl = raw(env, 'CLOUDINARY_URL');
  if (cloudinaryUrl !== undefined && !/^cloudinary:\/\/[^:]+:[^@]+@[^/?]+/.test(cloudinaryUrl)) {
    throw new ConfigError('CLOUDINARY_URL', 'cloudinary://API_KEY:API_SECRET@CLOUD_NAME', redactUrl(cloudinaryUrl));
  }

  const publicBaseUrl = (
    url(env, 'PUBLIC_BASE_URL', ['http:', 'https:']) ??
    `http://${bindHost.includes(':') ? `[${bindHost}]` : bindHost}:${port}`
  ).replace(/\/$/, '');

  return {
    port,
    host: bindHost,
    databaseUrl,
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    dataDir,
    adminToken,
    auth,
    metricsToken,
    idempotencyRetentionHours: integer(env, 'IDEMPOTENCY_RETENTION_HOURS', 48, 1, 87_600),
    freeDailyQuota: integer(env, 'FREE_DAILY_QUOTA', 3, 0, 1000),
    creditsPerPremium: integer(env, 'CREDITS_PER_PREMIUM', 1, 1, 1000),
    creditsPerStandard: integer(env, 'CREDITS_PER_STANDARD', 1, 1, 1000),
    defaultTier: oneOf(env, 'DEFAULT_TIER', ['premium', 'standard'] as const, 'premium'),
    budgetMonthlyCapMicros: cap,
    budgetHardCapMicros: hardCap,
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 30, 1, 1_000_000),
    reservationTimeoutSeconds,
    providerDeadlineSeconds,
    openai: {
      apiKey: raw(env, 'OPENAI_API_KEY'),
      baseUrl: url(env, 'OPENAI_BASE_URL', ['http:', 'https:']),
      imageModel: oneOf(env, 'OPENAI_IMAGE_MODEL', ['dall-e-3', 'gpt-image-1'] as const, 'dall-e-3'),
    },
    fal: {
      key: raw(env, 'FAL_KEY'),
      baseUrl: url(env, 'FAL_BASE_URL', ['http:', 'https:']),
      imageModel: raw(env, 'FAL_IMAGE_MODEL') ?? 'fal-ai/flux/schnell',
    },
    cloudinaryUrl,
    publicBaseUrl,
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    print: parsePrintConfig(env),
    jobIntervalSeconds: integer(env, 'JOB_INTERVAL_SECONDS', 60, 1, 3600),
    alerts: parseAlertConfig(env),
    purchases: parsePurchaseConfig(env, publicBaseUrl),
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
