import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type Tier } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { monthOf, previousMonth, utcDayOf, nextUtcMidnight } from '../common/utc-time';
import { IdGenerator } from '../common/ids';
import type { Sql } from '../database/database';
import { Database } from '../database/database';
import { EventStore } from '../event-store/event-store';
import { registerInlineOnce } from '../event-store/projection';
import { handleCommand, loadState, type SnapshotCodec } from '../event-store/command-handler';
import type { EventMetadata } from '../event-store/event-types';
import {
  accountDecider,
  accountStreamId,
  creditStatus,
  grantIdForExternalId,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
} from './domain/account';
import {
  budgetDecider,
  budgetStreamId,
  budgetView,
  decideReservation,
  type BudgetCommand,
  type BudgetDefaults,
  type BudgetEvent,
  type BudgetState,
  type BudgetTotals,
  type BudgetView,
} from './domain/budget';
import { microsToDollars } from './domain/money';
import { accountBalancesProjection, type ReservationProjected } from './read-models/account-balances.projection';
import type { CreditStatusView, ExpiredReservation, Reservation, ReserveRequest } from './reservation';
import { budgetTotalsAt, fromBudgetRow, readBudgetMonth } from './read-models/budget-months';

const BUDGET_VIEW_TTL_MS = 1000;

/** Both deciders keep plain-JSON state, so a snapshot is the state itself. */
const accountSnapshot: SnapshotCodec<AccountState> = {
  version: 1,
  serialize: (s) => s,
  deserialize: (j) => j as AccountState,
};
const budgetSnapshot: SnapshotCodec<BudgetState> = {
  version: 2,
  serialize: (s) => s,
  deserialize: (j) => j as BudgetState,
};

export type { CreditStatusView, ExpiredReservation, Reservation, ReserveRequest } from './reservation';

/**
 * The money side of a generation, as the generate flow calls it: reserve before the provider,
 * capture with the actual cost after, release on failure (TigerBeetle's pending/post/void).
 * A reservation's account events and the month's budget row change in one transaction, so a
 * reservation is never half made.
 *
 * Locks, always in this order: the account stream's advisory lock, then the month's budget row
 * (taken by the projection's update, or first thing by every budget-stream command), then the
 * budget stream's advisory lock. Reservations, captures and releases never touch the budget
 * stream, except the one reservation that records a downgrade; so every cache miss shares only
 * the row, held from its update to the commit.
 */
@Injectable()
export class BillingService implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: EventStore,
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  private readonly monthsStarted = new Set<string>();
  private budgetCache: { month: string; view: BudgetView; expiresAt: number } | undefined;
  private budgetVersion = 0;

  onModuleInit(): void {
    registerInlineOnce(this.store, accountBalancesProjection);
  }

  private get defaults(): BudgetDefaults {
    return {
      defaultCapMicros: this.config.budgetMonthlyCapMicros,
      defaultHardCapMicros: this.config.budgetHardCapMicros ?? null,
    };
  }

  /**
   * The account step needs the tier, which the budget decides: it starts from the tier the budget
   * currently shows, and in the rare case the budget decides otherwise (a downgrade in between),
   * the reservation is rolled back and made again with the decided tier.
   */
  async reserve(request: ReserveRequest): Promise<Reservation> {
    await this.ensureMonthStarted(monthOf(this.clock.now()), request.metadata);
    let tier: Tier = request.requestedTier === 'premium' ? (await this.budget()).view.tier : 'standard';
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.reserveAs(request, tier);
      if (outcome.kind === 'reserved') return outcome.reservation;
      if (attempt >= 3)
        throw new DomainError('concurrency_conflict', 'The budget tier kept changing during the reservation; retry');
      tier = outcome.decidedTier;
    }
  }

  private async reserveAs(
    request: ReserveRequest,
    tier: Tier,
  ): Promise<{ kind: 'reserved'; reservation: Reservation } | { kind: 'tier_changed'; decidedTier: Tier }> {
    const now = this.clock.now();
    const month = monthOf(now);
    const reservationId = this.ids.prefixed('res');
    const priceMicros = tier === 'premium' ? request.premiumPriceMicros : request.standardPriceMicros;
    let recordedDowngrade = false;
    try {
      const reservation = await this.database.transaction(async (tx) => {
        const account = await this.onAccount(
          tx,
          request.userId,
          {
            type: 'ReserveCredits',
            data: {
              reservationId,
              tier,
              creditsPerTier: tier === 'premium' ? this.config.creditsPerPremium : this.config.creditsPerStandard,
              freeDailyQuota: this.config.freeDailyQuota,
              timeoutSeconds: this.config.reservationTimeoutSeconds,
              priceMicros,
              generationId: request.generationId,
              now,
            },
          },
          request.metadata,
        );
        const credited = account.newEvents.find((e) => e.type === 'CreditsReserved');
        if (credited?.type !== 'CreditsReserved') throw new Error('the account decided no reservation');
        // The projection has just added this price to the month's row, which this transaction now
        // holds, and answered with the row: the month before this reservation is the row less its price.
        const projected = account.projected.get(accountBalancesProjection.name) as ReservationProjected | undefined;
        if (!projected) throw new Error('the billing projection did not answer the reservation');
        const { state, totals } = fromBudgetRow(projected.budgetMonth);
        const before: BudgetTotals = {
          spendMicros: totals.spendMicros,
          reservedMicros: totals.reservedMicros - priceMicros,
        };
        const decision = decideReservation(state, before, {
          ...this.defaults,
          requestedTier: request.requestedTier,
          premiumPriceMicros: request.premiumPriceMicros,
          standardPriceMicros: request.standardPriceMicros,
          now,
        });
        if (decision.tier !== tier) throw new TierChanged(decision.tier);
        if (decision.downgrade) {
          await this.onBudget(
            tx,
            month,
            () => ({
              type: 'DowngradeTier',
              data: { ...this.defaults, totals: before, premiumPriceMicros: request.premiumPriceMicros, now },
            }),
            request.metadata,
          );
          recordedDowngrade = true;
        }
        return {
          reservationId,
          userId: request.userId,
          month,
          charge: credited.data.kind,
          credits: credited.data.credits,
          tier,
          downgraded: request.requestedTier === 'premium' && tier === 'standard',
          priceMicros,
        } satisfies Reservation;
      });
      // A view read while the downgrade was uncommitted may still show Premium: read it anew.
      if (recordedDowngrade) this.budgetChanged();
      return { kind: 'reserved', reservation };
    } catch (error) {
      if (error instanceof TierChanged) {
        this.budgetChanged();
        return { kind: 'tier_changed', decidedTier: error.decidedTier };
      }
      throw error;
    }
  }

  /** Settles a reservation with what the provider actually cost. */
  async capture(
    reservation: Pick<Reservation, 'reservationId' | 'userId' | 'month'>,
    costMicros: number,
    metadata: EventMetadata,
    tx?: Sql,
  ): Promise<void> {
    const now = this.clock.now();
    const work = async (sql: Sql) => {
      await this.onAccount(
        sql,
        reservation.userId,
        { type: 'CaptureReservation', data: { reservationId: reservation.reservationId, costMicros, now } },
        metadata,
      );
    };
    if (tx) return work(tx);
    await this.database.transaction(work);
  }

  /**
   * The provider was paid for a reservation that expired meanwhile: the user keeps the image free
   * (their reservation was already released), but the month's spend still records the cost.
   */
  async settleLateCost(
    reservation: Pick<Reservation, 'reservationId' | 'month'>,
    costMicros: number,
    metadata: EventMetadata,
    tx: Sql,
  ): Promise<void> {
    const now = this.clock.now();
    await this.onBudget(
      tx,
      reservation.month,
      () => ({ type: 'SettleLateCost', data: { reservationId: reservation.reservationId, costMicros, now } }),
      metadata,
    );
  }

  async release(
    reservation: Pick<Reservation, 'reservationId' | 'userId' | 'month'>,
    metadata: EventMetadata,
    tx?: Sql,
  ): Promise<void> {
    const now = this.clock.now();
    const work = async (sql: Sql) => {
      await this.onAccount(
        sql,
        reservation.userId,
        { type: 'ReleaseReservation', data: { reservationId: reservation.reservationId, reason: 'failed', now } },
        metadata,
      );
    };
    if (tx) return work(tx);
    await this.database.transaction(work);
  }

  async grant(
    userId: string,
    grant: { credits: number; reason: string; externalId?: string },
    metadata: EventMetadata,
  ): Promise<{ grantId: string; paidCredits: number }> {
    const grantId = this.ids.prefixed('grant');
    const result = await handleCommand(
      this.store,
      accountStreamId(userId),
      accountDecider,
      { type: 'GrantCredits', data: { grantId, ...grant, now: this.clock.now() } } as AccountCommand,
      { metadata: { ...metadata, userId }, snapshot: accountSnapshot, lockStream: true },
    );
    const effectiveId = grant.externalId ? (grantIdForExternalId(result.state, grant.externalId) ?? grantId) : grantId;
    return { grantId: effectiveId, paidCredits: result.state.availableCredits };
  }

  /** Releases every reservation whose timeout has passed (the expiry job). Returns what it released. */
  async expireReservations(limit = 500): Promise<ExpiredReservation[]> {
    const now = this.clock.now();
    const due = await this.database.query<{
      reservation_id: string;
      user_id: string;
      day: string;
      generation_id: string | null;
    }>(
      'SELECT reservation_id, user_id, day, generation_id FROM open_reservations WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2',
      [now.toISOString(), limit],
    );
    const released: ExpiredReservation[] = [];
    const generationOf = new Map(due.map((row) => [row.reservation_id, row.generation_id]));
    for (const userId of new Set(due.map((row) => row.user_id))) {
      const metadata: EventMetadata = { actor: 'job:expire-reservations', userId };
      await this.database.transaction(async (tx) => {
        const account = await this.onAccount(tx, userId, { type: 'ExpireReservations', data: { now } }, metadata);
        for (const event of account.newEvents) {
          if (event.type !== 'ReservationReleased') continue;
          released.push({
            reservationId: event.data.reservationId,
            userId,
            generationId: generationOf.get(event.data.reservationId) ?? null,
          });
        }
      });
    }
    return released;
  }

  /** Re-evaluates this month's budget: a new month or room under the cap restores Premium. */
  async evaluateBudget(): Promise<BudgetView> {
    const now = this.clock.now();
    const month = monthOf(now);
    const metadata: EventMetadata = { actor: 'job:evaluate-budget' };
    await this.ensureMonthStarted(month, metadata);
    await this.database.transaction((tx) =>
      this.onBudget(
        tx,
        month,
        (totals) => ({ type: 'EvaluateBudget', data: { ...this.defaults, totals, now } }),
        metadata,
      ),
    );
    this.budgetChanged();
    return (await this.budget(undefined, { fresh: true })).view;
  }

  async recordDailyQuotaReset(): Promise<boolean> {
    const day = utcDayOf(this.clock.now());
    try {
      await this.store.append(`quota-reset-${day}`, [{ type: 'DailyQuotaReset', data: { day } }], {
        expectedVersion: 'no_stream',
        metadata: { actor: 'job:daily-quota-reset' },
      });
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'concurrency_conflict') return false;
      throw error;
    }
  }

  async setBudgetCap(capMicros: number, hardCapMicros: number | null, metadata: EventMetadata): Promise<BudgetView> {
    const now = this.clock.now();
    const month = monthOf(now);
    await this.ensureMonthStarted(month, metadata);
    await this.database.transaction((tx) =>
      this.onBudget(
        tx,
        month,
        (totals) => ({ type: 'SetBudgetCap', data: { capMicros, hardCapMicros, totals, now } }),
        metadata,
      ),
    );
    this.budgetChanged();
    return (await this.budget(undefined, { fresh: true })).view;
  }

  /**
   * The month's budget as shown to users and used to pick which cached image may serve a request.
   * Reading it now is cached for a second per process (other replicas' changes show within that
   * time); reservations never use it: they decide under the month row's lock.
   */
  async budget(at?: Date, options: { fresh?: boolean } = {}): Promise<{ month: string; view: BudgetView }> {
    const when = at ?? this.clock.now();
    const month = monthOf(when);
    if (at) {
      const state = foldUntil(await this.store.readStream(budgetStreamId(month), { until: at }), budgetDecider);
      return { month, view: budgetView(state, await budgetTotalsAt(this.database, month, at), this.defaults) };
    }
    const cached = this.budgetCache;
    if (!options.fresh && cached && cached.month === month && cached.expiresAt > Date.now())
      return { month, view: cached.view };
    const version = this.budgetVersion;
    const { state, totals } = fromBudgetRow(await readBudgetMonth(this.database, month));
    const view = budgetView(state, totals, this.defaults);
    // A change of this process began or committed while reading: the view may predate it.
    if (version === this.budgetVersion) this.budgetCache = { month, view, expiresAt: Date.now() + BUDGET_VIEW_TTL_MS };
    return { month, view };
  }

  /**
   * Called when the month's caps or tier change through this process (budget-stream commands), so
   * its next view shows them. Spend and in-flight prices move with every generation and are shown
   * up to a second late, as other replicas' changes are.
   */
  budgetChanged(): void {
    this.budgetVersion += 1;
    this.budgetCache = undefined;
  }

  /** `GET /v1/credits` (API.md); with `at`, as it was then, from the events. */
  async status(userId: string, at?: Date): Promise<CreditStatusView> {
    const now = at ?? this.clock.now();
    let account: { freeRemainingToday: number; paidCredits: number; reservedCredits: number; quotaResetsAt: string };
    if (at) {
      const state = foldUntil(await this.store.readStream(accountStreamId(userId), { until: at }), accountDecider);
      account = creditStatus(state, at, this.config.freeDailyQuota);
    } else {
      account = await this.balanceFromReadModel(userId, now);
    }
    const { view } = await this.budget(at);
    return {
      userId,
      freeRemainingToday: account.freeRemainingToday,
      freeDailyQuota: this.config.freeDailyQuota,
      paidCredits: account.paidCredits,
      reservedCredits: account.reservedCredits,
      monthlySpend: microsToDollars(view.spendMicros),
      monthlyCap: microsToDollars(view.capMicros),
      tier: view.tier,
      quotaResetsAt: account.quotaResetsAt,
    };
  }

  private async balanceFromReadModel(userId: string, now: Date) {
    const [row] = await this.database.query<{
      paid_available: number;
      paid_reserved: number;
      free_day: string | null;
      free_used: number;
    }>('SELECT paid_available, paid_reserved, free_day, free_used FROM account_balances WHERE user_id = $1', [userId]);
    const today = utcDayOf(now);
    const usedToday = row && row.free_day === today ? Number(row.free_used) : 0;
    return {
      freeRemainingToday: Math.max(0, this.config.freeDailyQuota - usedToday),
      paidCredits: Number(row?.paid_available ?? 0),
      reservedCredits: Number(row?.paid_reserved ?? 0),
      quotaResetsAt: nextUtcMidnight(now).toISOString(),
    };
  }

  /**
   * The first budget command of a month (per process) records whether last month's downgrade is
   * carried over or ends; in its own transaction, before the reservation that needs it.
   */
  private async ensureMonthStarted(month: string, metadata: EventMetadata): Promise<void> {
    if (this.monthsStarted.has(month)) return;
    await this.database.transaction(async (tx) => {
      const previous = await loadState(
        this.store,
        tx,
        budgetStreamId(previousMonth(month)),
        budgetDecider,
        budgetSnapshot,
      );
      if (previous.version === 0) return;
      const now = this.clock.now();
      await this.onBudget(
        tx,
        month,
        () => ({ type: 'RecordNewMonth', data: { previousMonthTier: previous.state.premium.tier, now } }),
        metadata,
      );
    });
    this.budgetChanged();
    this.monthsStarted.add(month);
  }

  private onAccount(tx: Sql, userId: string, command: AccountCommand, metadata: EventMetadata) {
    return handleCommand<AccountState, AccountCommand, AccountEvent>(
      this.store,
      accountStreamId(userId),
      accountDecider,
      command,
      {
        tx,
        metadata: { ...metadata, userId },
        snapshot: accountSnapshot,
        lockStream: true,
      },
    );
  }

  /** A budget-stream command, given the month's totals read under the row's lock (taken first). */
  private async onBudget(
    tx: Sql,
    month: string,
    command: (totals: BudgetTotals) => BudgetCommand,
    metadata: EventMetadata,
  ) {
    this.budgetChanged();
    const { totals } = fromBudgetRow(await readBudgetMonth(tx, month, true));
    return handleCommand<BudgetState, BudgetCommand, BudgetEvent>(
      this.store,
      budgetStreamId(month),
      budgetDecider,
      command(totals),
      {
        tx,
        metadata,
        snapshot: budgetSnapshot,
        lockStream: true,
      },
    );
  }
}

/** Rolls back a reservation made with a tier the budget then did not allow. */
class TierChanged extends Error {
  constructor(readonly decidedTier: Tier) {
    super(`the budget decided ${decidedTier}`);
  }
}

function foldUntil<S, E>(
  events: ReadonlyArray<{ type: string; data: unknown }>,
  decider: { evolve(s: S, e: E): S; initialState(): S },
): S {
  return events.reduce(
    (state, event) => decider.evolve(state, { type: event.type, data: event.data } as E),
    decider.initialState(),
  );
}
