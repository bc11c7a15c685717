import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { microsToDollars } from '../../billing/domain/money';
import { GetExpiryFailures } from '../../billing/expire-reservations/get-expiry-failures.query';
import { GetBudget } from '../../billing/read-models/budget-months/get-budget.query';
import { CountAlerts } from '../../alerts/admin/count-alerts.query';
import { GetPurgedRows } from '../../generation/purge-expired/get-purged-rows.query';
import { ProjectionRunners } from '../../event-store/projection-runners';
import { AnalyticsQueries } from '../analytics.queries';
import { LATENCY_BUCKETS_SECONDS } from '../projections/usage.projection';
import { StoredHistogram } from './stored-histogram';

const HTTP_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * `GET /metrics`. Business figures are read from the projection tables at scrape time, so they
 * survive restarts and agree with the analytics calls; a counter here is the projection's running
 * sum, not something this process counted. Each application instance has its own registry, so
 * several instances in one process (tests, benchmarks) never share or clash over series.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();
  private readonly register = { registers: [this.registry] };

  private readonly generations = new Counter({
    name: 'genledger_generations_total',
    help: 'Image requests by tier, provider and outcome (succeeded: a provider generation; cached: a cache hit; failed: nothing delivered, provider "none")',
    labelNames: ['tier', 'provider', 'outcome'],
    ...this.register,
  });
  private readonly failures = new Counter({
    name: 'genledger_generation_failures_total',
    help: 'Failed generations by the tier reserved and the error code answered',
    labelNames: ['tier', 'code'],
    ...this.register,
  });
  private readonly cacheHits = new Counter({
    name: 'genledger_cache_hits_total',
    help: 'Requests served from the prompt cache, by the tier and provider of the cached image',
    labelNames: ['tier', 'provider'],
    ...this.register,
  });
  private readonly saved = new Counter({
    name: 'genledger_cache_saved_usd_total',
    help: 'Provider cost not spent thanks to cache hits, in USD',
    labelNames: ['tier', 'provider'],
    ...this.register,
  });
  private readonly spend = new Counter({
    name: 'genledger_provider_spend_usd_total',
    help: 'Provider cost of successful generations, in USD',
    labelNames: ['tier', 'provider'],
    ...this.register,
  });
  private readonly monthSpend = new Gauge({
    name: 'genledger_budget_month_spend_usd',
    help: "This UTC month's provider spend, in USD",
    ...this.register,
  });
  private readonly monthCap = new Gauge({
    name: 'genledger_budget_cap_usd',
    help: "This month's soft cap, in USD",
    ...this.register,
  });
  private readonly remaining = new Gauge({
    name: 'genledger_budget_remaining_usd',
    help: "Soft cap minus this month's spend, in USD (negative once passed)",
    ...this.register,
  });
  private readonly downgraded = new Gauge({
    name: 'genledger_budget_premium_downgraded',
    help: '1 while Premium requests are served by Standard because of the soft cap, else 0',
    ...this.register,
  });
  private readonly openReservations = new Gauge({
    name: 'genledger_open_reservations',
    help: 'Reservations neither captured nor released yet',
    ...this.register,
  });
  private readonly monthUnknown = new Gauge({
    name: 'genledger_budget_month_unknown_usd',
    help: "This UTC month's provider calls of unknown outcome, at their price, in USD (counted against the caps)",
    ...this.register,
  });
  private readonly monthHeld = new Gauge({
    name: 'genledger_budget_month_held_usd',
    help: 'Prices held by reservations in flight this UTC month, in USD',
    ...this.register,
  });
  private readonly expiryFailures = new Counter({
    name: 'genledger_reservation_expiry_failures_total',
    help: 'Expired reservations the expiry job of this process failed to release (each failed run counts; see the log for ids)',
    ...this.register,
  });
  private readonly purged = new Counter({
    name: 'genledger_retention_purged_rows_total',
    help: 'Rows the retention job of this process deleted (idempotency keys past IDEMPOTENCY_RETENTION_HOURS, rate-limit windows past use)',
    labelNames: ['table'],
    ...this.register,
  });
  private readonly projectionLag = new Gauge({
    name: 'genledger_projection_lag_events',
    help: 'Events an async projection is behind the newest safely readable one',
    labelNames: ['projection'],
    ...this.register,
  });
  private readonly projectionFailing = new Gauge({
    name: 'genledger_projection_failing',
    help: '1 while the last batch of an async projection failed (it keeps retrying), else 0',
    labelNames: ['projection'],
    ...this.register,
  });
  private readonly alertsSent = new Gauge({
    name: 'genledger_alerts_sent',
    help: 'Alerts delivered to ALERT_WEBHOOK_URL (every month, from the outbox)',
    ...this.register,
  });
  private readonly alertsFailed = new Gauge({
    name: 'genledger_alerts_failed',
    help: 'Alerts dead-lettered after ALERT_MAX_ATTEMPTS failed deliveries, waiting for POST /v1/admin/alerts/{id}/retry',
    ...this.register,
  });
  private readonly alertsPending = new Gauge({
    name: 'genledger_alerts_pending',
    help: 'Alerts recorded and not yet delivered (including those waiting to retry)',
    ...this.register,
  });
  private readonly latency = new StoredHistogram(
    'genledger_generation_duration_seconds',
    'Time from GenerationRequested to GenerationSucceeded: the provider call with its retries, plus storing the image',
    LATENCY_BUCKETS_SECONDS,
    ['provider', 'tier'],
  );
  private readonly http = new Histogram({
    name: 'genledger_http_request_duration_seconds',
    help: 'HTTP request durations by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS_SECONDS,
    ...this.register,
  });

  constructor(
    private readonly queries: AnalyticsQueries,
    private readonly runners: ProjectionRunners,
    private readonly adapterHost: HttpAdapterHost,
    private readonly queryBus: QueryBus,
  ) {
    this.registry.registerMetric(this.latency);
    collectDefaultMetrics({ register: this.registry, prefix: 'genledger_' });
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', async (request, reply) => {
      // The route pattern, never the raw URL: ids in paths would make a series per request.
      const route = request.routeOptions?.url ?? 'unmatched';
      this.http.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  }

  /** Reads the stored figures, then renders every metric. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    const [totals, failures, latency, month, open, projections, expiry, budget, purged, alerts] = await Promise.all([
      this.queries.totals(),
      this.queries.failureTotals(),
      this.queries.latency(),
      this.queries.monthBudget(),
      this.queries.openReservations(),
      this.runners.statuses(),
      this.queryBus.execute(new GetExpiryFailures()),
      // Fresh: a scrape must agree with the rows, not with a view cached for a second.
      this.queryBus.execute(new GetBudget(undefined, true)),
      this.queryBus.execute(new GetPurgedRows()),
      this.queryBus.execute(new CountAlerts()),
    ]);
    for (const metric of [
      this.generations,
      this.failures,
      this.cacheHits,
      this.saved,
      this.spend,
      this.projectionLag,
      this.projectionFailing,
      this.expiryFailures,
      this.purged,
    ]) {
      metric.reset();
    }
    for (const row of totals) {
      const labels = { tier: row.tier, provider: row.provider };
      this.generations.inc({ ...labels, outcome: 'succeeded' }, row.generations);
      this.generations.inc({ ...labels, outcome: 'cached' }, row.cacheHits);
      this.cacheHits.inc(labels, row.cacheHits);
      this.saved.inc(labels, microsToDollars(row.savedMicros));
      this.spend.inc(labels, microsToDollars(row.spendMicros));
    }
    for (const row of failures) {
      this.failures.inc({ tier: row.tier, code: row.code }, row.failures);
      this.generations.inc({ tier: row.tier, provider: 'none', outcome: 'failed' }, row.failures);
    }
    this.latency.load(
      latency.map((row) => ({
        labels: { provider: row.provider, tier: row.tier },
        le: row.le,
        observations: row.observations,
        totalSeconds: row.totalMs / 1000,
      })),
    );
    this.monthSpend.set(microsToDollars(month.spendMicros));
    this.monthCap.set(microsToDollars(month.capMicros));
    this.remaining.set(microsToDollars(month.capMicros - month.spendMicros));
    this.downgraded.set(month.tier === 'standard' ? 1 : 0);
    this.openReservations.set(open);
    this.monthUnknown.set(microsToDollars(budget.view.unknownMicros));
    this.monthHeld.set(microsToDollars(budget.view.reservedMicros));
    this.expiryFailures.inc(expiry.total);
    this.purged.inc({ table: 'idempotency_keys' }, purged.idempotencyKeys);
    this.purged.inc({ table: 'rate_limit_windows' }, purged.rateLimitWindows);
    this.alertsSent.set(alerts.delivered);
    this.alertsFailed.set(alerts.dead);
    this.alertsPending.set(alerts.pending);
    for (const status of projections) {
      this.projectionLag.set({ projection: status.projection }, status.lag);
      this.projectionFailing.set({ projection: status.projection }, status.failing ? 1 : 0);
    }
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
