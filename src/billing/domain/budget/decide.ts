import { DomainError } from '../../../common/domain-error';
import type { Tier } from '../../../config/app-config';
import { assertWholeNumber } from '../money';
import {
  committedMicros,
  type BudgetCommand,
  type BudgetDefaults,
  type BudgetEvent,
  type BudgetTotals,
  type SetBudgetCap,
  type TierDowngraded,
} from './messages';
import { effectiveCaps, unreachable, type BudgetCaps, type BudgetState } from './state';

export function decide(command: BudgetCommand, state: BudgetState): readonly BudgetEvent[] {
  switch (command.type) {
    case 'SetBudgetCap':
      return setCap(command.data, state);
    case 'DowngradeTier': {
      const { totals, premiumPriceMicros, now } = command.data;
      assertWholeNumber('premiumPriceMicros', premiumPriceMicros, 0);
      const downgrade = downgradeFor(state, effectiveCaps(state, command.data), totals, premiumPriceMicros, now);
      return downgrade ? [downgrade] : [];
    }
    case 'SettleLateCost': {
      const { reservationId, costMicros, resolvedUnknownMicros = 0, now } = command.data;
      assertWholeNumber('costMicros', costMicros, 0);
      assertWholeNumber('resolvedUnknownMicros', resolvedUnknownMicros, 0);
      if (state.recentlySettled.includes(reservationId)) return [];
      const resolved = resolvedUnknownMicros > 0 ? { resolvedUnknownMicros } : {};
      return [{ type: 'LateCostSettled', data: { reservationId, costMicros, ...resolved, at: now.toISOString() } }];
    }
    case 'EvaluateBudget': {
      const { capMicros } = effectiveCaps(state, command.data);
      if (!premiumFitsAgain(state, command.data.totals, capMicros)) return [];
      return [{ type: 'TierRestored', data: { reason: 'spend_below_cap', at: command.data.now.toISOString() } }];
    }
    case 'RecordNewMonth': {
      const { previousMonthTier, now } = command.data;
      // A month that already downgraded on its own keeps that; only a carried-over downgrade ends.
      if (previousMonthTier === 'premium' || state.newMonthRecorded || state.premium.tier === 'standard') return [];
      return [{ type: 'TierRestored', data: { reason: 'new_month', at: now.toISOString() } }];
    }
    case 'RecordHardCapReached': {
      const { hardCapMicros, refusedPriceMicros, totals, now } = command.data;
      if (state.hardCapReachedMicros === hardCapMicros) return [];
      const { spendMicros, reservedMicros, unknownMicros = 0 } = totals;
      const data = { hardCapMicros, spendMicros, reservedMicros, unknownMicros, refusedPriceMicros };
      return [{ type: 'HardCapReached', data: { ...data, at: now.toISOString() } }];
    }
    default:
      return unreachable(command);
  }
}

function setCap(command: SetBudgetCap['data'], state: BudgetState): readonly BudgetEvent[] {
  const { totals, now } = command;
  const current = currentCaps(state, command);
  const capMicros = command.capMicros ?? current.capMicros;
  const hardCapMicros = command.hardCapMicros === undefined ? current.hardCapMicros : command.hardCapMicros;
  assertWholeNumber('capMicros', capMicros, 0);
  if (hardCapMicros !== null) assertWholeNumber('hardCapMicros', hardCapMicros, 0);
  if (hardCapMicros !== null && hardCapMicros < capMicros) {
    // The caller gave one cap and the other is the month's: say which one to change.
    const field = command.hardCapMicros === undefined ? 'capUsd' : 'hardCapUsd';
    const message = field === 'capUsd' ? 'must be at most the hard cap' : 'must be at least capUsd';
    throw new DomainError(
      'validation_failed',
      `${field} ${message} (cap ${capMicros}, hard cap ${hardCapMicros} micro-dollars)`,
      {
        errors: [{ field, message }],
      },
    );
  }
  const events: BudgetEvent[] = [
    { type: 'BudgetCapSet', data: { capMicros, hardCapMicros, setAt: now.toISOString() } },
  ];
  if (state.premium.tier === 'standard' && premiumFitsAgain(state, totals, capMicros)) {
    const reason = capMicros > state.premium.capMicros ? 'cap_raised' : 'spend_below_cap';
    events.push({ type: 'TierRestored', data: { reason, at: now.toISOString() } });
  }
  return events;
}

/** The caps a SetBudgetCap leaves alone where it omits one. */
function currentCaps(state: BudgetState, command: SetBudgetCap['data']): BudgetCaps {
  if (state.caps) return state.caps;
  if (command.defaults) return effectiveCaps(state, command.defaults);
  if (command.capMicros === undefined || command.hardCapMicros === undefined) {
    throw new Error('SetBudgetCap leaves a cap out without the configured defaults to keep');
  }
  return { capMicros: command.capMicros, hardCapMicros: command.hardCapMicros };
}

function downgradeFor(
  state: BudgetState,
  caps: BudgetCaps,
  totals: BudgetTotals,
  premiumPriceMicros: number,
  now: Date,
): TierDowngraded | null {
  if (state.premium.tier !== 'premium') return null;
  if (committedMicros(totals) + premiumPriceMicros <= caps.capMicros) return null;
  return {
    type: 'TierDowngraded',
    data: {
      reason: 'soft_cap_exceeded',
      spendMicros: totals.spendMicros,
      reservedMicros: totals.reservedMicros,
      nextPremiumPriceMicros: premiumPriceMicros,
      capMicros: caps.capMicros,
      at: now.toISOString(),
    },
  };
}

/** Measured with the Premium price that caused the downgrade, so no pricing is needed here. */
function premiumFitsAgain(state: BudgetState, totals: BudgetTotals, capMicros: number): boolean {
  if (state.premium.tier === 'premium') return false;
  return committedMicros(totals) + state.premium.nextPremiumPriceMicros <= capMicros;
}

export type ReservationRequest = BudgetDefaults & {
  requestedTier: Tier;
  premiumPriceMicros: number;
  standardPriceMicros: number;
  now: Date;
};

export interface ReservationDecision {
  readonly tier: Tier;
  readonly priceMicros: number;
  /** The downgrade this reservation records, on the transition only (one per month, serially). */
  readonly downgrade: TierDowngraded | null;
}

/**
 * The tier the budget allows for one more image, given the month's figures before it. Premium is
 * served while spend (billed and unknown), in-flight prices and its own price stay within the soft
 * cap; the check runs whichever tier was requested, so the budget's tier always says whether
 * Premium still fits. The hard cap refuses the chosen tier's price with budget_exhausted.
 */
export function decideReservation(
  state: BudgetState,
  totals: BudgetTotals,
  request: ReservationRequest,
): ReservationDecision {
  const { requestedTier, premiumPriceMicros, standardPriceMicros, now } = request;
  assertWholeNumber('premiumPriceMicros', premiumPriceMicros, 0);
  assertWholeNumber('standardPriceMicros', standardPriceMicros, 0);
  const caps = effectiveCaps(state, request);
  const downgrade = downgradeFor(state, caps, totals, premiumPriceMicros, now);
  const premiumAllowed = state.premium.tier === 'premium' && downgrade === null;
  const tier: Tier = requestedTier === 'premium' && premiumAllowed ? 'premium' : 'standard';
  const priceMicros = tier === 'premium' ? premiumPriceMicros : standardPriceMicros;
  assertHardCapAllows(caps, totals, priceMicros, `another ${tier} image`);
  return { tier, priceMicros, downgrade };
}

/**
 * A reservation's hold raised by `addedMicros` for another provider call (a retry of a call whose
 * outcome is unknown, or the fallback to another provider): allowed only within the hard cap, so
 * the month's billed, unknown and held spend never passes it, whatever the calls turn out to cost.
 * `totals` are the month's figures before the raise.
 */
export function assertHoldRaiseAllowed(
  state: BudgetState,
  totals: BudgetTotals,
  request: BudgetDefaults & { addedMicros: number },
): void {
  assertWholeNumber('addedMicros', request.addedMicros, 1);
  assertHardCapAllows(effectiveCaps(state, request), totals, request.addedMicros, 'another provider call');
}

/** Spend the month cannot rule out counts against the hard cap: billed, held and unknown. */
function assertHardCapAllows(caps: BudgetCaps, totals: BudgetTotals, priceMicros: number, what: string): void {
  if (caps.hardCapMicros === null || committedMicros(totals) + priceMicros <= caps.hardCapMicros) return;
  throw new DomainError(
    'budget_exhausted',
    `The monthly hard cap of ${caps.hardCapMicros} micro-dollars leaves no room for ${what}`,
    {
      hardCapMicros: caps.hardCapMicros,
      priceMicros,
      spendMicros: totals.spendMicros,
      reservedMicros: totals.reservedMicros,
      unknownMicros: totals.unknownMicros ?? 0,
    },
  );
}
