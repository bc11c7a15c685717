import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig, type Tier } from '../../config/app-config';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/domain-error';
import { IdGenerator } from '../../common/ids';
import { monthOf } from '../../common/utc-time';
import { Database } from '../../database/database';
import { budgetDefaultsOf } from '../budget-defaults';
import { decideReservation, type BudgetTotals } from '../domain/budget';
import {
  accountBalancesProjection,
  type ReservationProjected,
} from '../read-models/account-balances/account-balances.projection';
import { fromBudgetRow } from '../read-models/budget-months/budget-months.reads';
import { BudgetViews } from '../read-models/budget-months/budget-views';
import type { Reservation, ReserveRequest } from '../reservation';
import type { AccountEvent } from '../domain/account';
import { AccountStream } from '../streams/account-stream';
import { BudgetStream } from '../streams/budget-stream';
import { MonthStart } from '../streams/month-start';
import { HardCapRefusals } from './hard-cap-refusals';
import { ReserveCredits } from './reserve-credits.command';

/**
 * A reservation's account events and the month's budget row change in one transaction, so a
 * reservation is never half made. The account step needs the tier, which the budget decides: it
 * starts from the tier the budget currently shows, and in the rare case the budget decides
 * otherwise (a downgrade in between), the reservation is rolled back and made again with the
 * decided tier. Reservations never touch the budget stream, except the one that records a
 * downgrade; so every cache miss shares only the month's row, held from its update to the commit.
 */
@CommandHandler(ReserveCredits)
export class ReserveCreditsHandler implements ICommandHandler<ReserveCredits, Reservation> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly account: AccountStream,
    private readonly budget: BudgetStream,
    private readonly monthStart: MonthStart,
    private readonly views: BudgetViews,
    private readonly hardCapRefusals: HardCapRefusals,
  ) {}

  async execute({ request }: ReserveCredits): Promise<Reservation> {
    await this.monthStart.ensureStarted(monthOf(this.clock.now()), request.metadata);
    let tier: Tier = request.requestedTier === 'premium' ? (await this.views.budget()).view.tier : 'standard';
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.reserveAs(request, tier);
      } catch (error) {
        if (error instanceof DomainError && error.code === 'budget_exhausted')
          await this.hardCapRefusals.record(error, request.metadata);
        if (!(error instanceof TierChanged)) throw error;
        this.views.changed();
        if (attempt >= 3)
          throw new DomainError('concurrency_conflict', 'The budget tier kept changing during the reservation; retry');
        tier = error.decidedTier;
      }
    }
  }

  private async reserveAs(request: ReserveRequest, tier: Tier): Promise<Reservation> {
    const now = this.clock.now();
    const month = monthOf(now);
    const reservationId = this.ids.prefixed('res');
    const priceMicros = tier === 'premium' ? request.premiumPriceMicros : request.standardPriceMicros;
    const defaults = budgetDefaultsOf(this.config);
    let recordedDowngrade = false;
    const reservation = await this.database.transaction(async (tx) => {
      await request.first?.(tx);
      const creditsPerTier = tier === 'premium' ? this.config.creditsPerPremium : this.config.creditsPerStandard;
      const downgraded = request.requestedTier === 'premium' && tier === 'standard';
      let made: Reservation | undefined;
      // What commits with the reservation runs before its events are appended: the append's
      // projection takes the month's row, which is then held only until the commit.
      const beforeAppend = async (events: readonly AccountEvent[]) => {
        const credited = events.find((e) => e.type === 'CreditsReserved');
        if (credited?.type !== 'CreditsReserved') throw new Error('the account decided no reservation');
        const { kind: charge, credits } = credited.data;
        made = { reservationId, userId: request.userId, month, charge, credits, tier, downgraded, priceMicros };
        await request.alongside?.(tx, made);
      };
      const account = await this.account.run(
        request.userId,
        {
          type: 'ReserveCredits',
          data: {
            reservationId,
            tier,
            creditsPerTier,
            freeDailyQuota: this.config.freeDailyQuota,
            timeoutSeconds: this.config.reservationTimeoutSeconds,
            priceMicros,
            generationId: request.generationId,
            now,
          },
        },
        request.metadata,
        tx,
        beforeAppend,
      );
      if (made === undefined) throw new Error('the account decided no reservation');
      // The projection has just added this price to the month's row, which this transaction now
      // holds, and answered with the row: the month before this reservation is the row less its price.
      const projected = account.projected.get(accountBalancesProjection.name) as ReservationProjected | undefined;
      if (!projected) throw new Error('the billing projection did not answer the reservation');
      const { state, totals } = fromBudgetRow(projected.budgetMonth);
      const before: BudgetTotals = { ...totals, reservedMicros: totals.reservedMicros - priceMicros };
      const { premiumPriceMicros, standardPriceMicros, requestedTier } = request;
      const decision = decideReservation(state, before, {
        ...defaults,
        requestedTier,
        premiumPriceMicros,
        standardPriceMicros,
        now,
      });
      if (decision.tier !== tier) throw new TierChanged(decision.tier);
      if (decision.downgrade) {
        const data = { ...defaults, totals: before, premiumPriceMicros, now };
        await this.budget.run(tx, month, () => ({ type: 'DowngradeTier', data }), request.metadata);
        recordedDowngrade = true;
      }
      return made;
    });
    // A view read while the downgrade was uncommitted may still show Premium: read it anew.
    if (recordedDowngrade) this.views.changed();
    return reservation;
  }
}

/** Rolls back a reservation made with a tier the budget then did not allow. */
class TierChanged extends Error {
  constructor(readonly decidedTier: Tier) {
    super(`the budget decided ${decidedTier}`);
  }
}
