import { decider } from '../../../test/support/given-when-then';
import { DomainError } from '../../common/domain-error';
import { monthOf, previousMonth } from '../../common/utc-time';
import type { Tier } from '../../config/app-config';
import {
  assertHoldRaiseAllowed,
  budgetDecider,
  budgetStreamId,
  budgetView,
  decideReservation,
  forecastMicros,
  type BudgetEvent,
  type BudgetState,
  type BudgetTotals,
  type ReservationRequest,
  type RestoreReason,
  type TierDowngraded,
} from './budget';

const budget = decider(budgetDecider);
const DEFAULTS = { defaultCapMicros: 100_000_000, defaultHardCapMicros: null };
const PREMIUM = 80_000;
const STANDARD = 3_000;
const NOW = new Date('2026-11-24T12:00:00.000Z');
const AT = NOW.toISOString();

/** The month's figures before the command, as the `budget_months` row hands them in. */
function totals(spendMicros: number, reservedMicros = 0, unknownMicros?: number): BudgetTotals {
  return unknownMicros === undefined ? { spendMicros, reservedMicros } : { spendMicros, reservedMicros, unknownMicros };
}

function stateOf(events: readonly BudgetEvent[]): BudgetState {
  return budget.given(events).state;
}

function request(requestedTier: Tier = 'premium', overrides: Partial<ReservationRequest> = {}): ReservationRequest {
  return {
    requestedTier,
    premiumPriceMicros: PREMIUM,
    standardPriceMicros: STANDARD,
    ...DEFAULTS,
    now: NOW,
    ...overrides,
  };
}

function capSet(capMicros: number, hardCapMicros: number | null = null): BudgetEvent {
  return { type: 'BudgetCapSet', data: { capMicros, hardCapMicros, setAt: AT } };
}

function downgraded(spendMicros: number, reservedMicros: number, capMicros: number): TierDowngraded {
  return {
    type: 'TierDowngraded',
    data: {
      reason: 'soft_cap_exceeded',
      spendMicros,
      reservedMicros,
      nextPremiumPriceMicros: PREMIUM,
      capMicros,
      at: AT,
    },
  };
}

function restored(reason: RestoreReason): BudgetEvent {
  return { type: 'TierRestored', data: { reason, at: AT } };
}

function lateCostSettled(reservationId: string, costMicros = 75_000): BudgetEvent {
  return { type: 'LateCostSettled', data: { reservationId, costMicros, at: AT } };
}

/** The DomainError a call throws; fails the test when it returns instead. */
function refusalOf(call: () => unknown): DomainError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('Expected a DomainError, but the call returned');
}

describe('decideReservation', () => {
  it('serves the requested tier while the soft cap leaves room for Premium', () => {
    const premium = { tier: 'premium', priceMicros: PREMIUM, downgrade: null };
    expect(decideReservation(stateOf([]), totals(0), request())).toEqual(premium);
    expect(decideReservation(stateOf([]), totals(0), request('standard'))).toEqual({
      tier: 'standard',
      priceMicros: STANDARD,
      downgrade: null,
    });
    expect(decideReservation(stateOf([capSet(1_000_000)]), totals(600_000, 300_000), request())).toEqual(premium);
  });

  it('serves Premium when its price fills the soft cap exactly, and downgrades one micro-dollar past it', () => {
    const month = stateOf([capSet(1_000_000)]);
    expect(decideReservation(month, totals(900_000, 20_000), request())).toEqual({
      tier: 'premium',
      priceMicros: PREMIUM,
      downgrade: null,
    });
    expect(decideReservation(month, totals(900_000, 20_001), request())).toEqual({
      tier: 'standard',
      priceMicros: STANDARD,
      downgrade: downgraded(900_000, 20_001, 1_000_000),
    });
  });

  it('reports the downgrade even when the request that finds it asked for Standard', () => {
    expect(decideReservation(stateOf([capSet(1_000_000)]), totals(990_000), request('standard'))).toEqual({
      tier: 'standard',
      priceMicros: STANDARD,
      downgrade: downgraded(990_000, 0, 1_000_000),
    });
  });

  it('reports no downgrade while it lasts, and keeps Premium off until it is restored', () => {
    const month = stateOf([capSet(1_000_000), downgraded(990_000, 0, 1_000_000)]);
    const standard = { tier: 'standard', priceMicros: STANDARD, downgrade: null };
    expect(decideReservation(month, totals(995_000), request())).toEqual(standard);
    expect(decideReservation(month, totals(0), request())).toEqual(standard);
    const restoredMonth = stateOf([capSet(1_000_000), downgraded(990_000, 0, 1_000_000), restored('spend_below_cap')]);
    expect(decideReservation(restoredMonth, totals(0), request()).tier).toBe('premium');
  });

  it('uses the configured caps until the month has its own', () => {
    const small = { defaultCapMicros: 100_000, defaultHardCapMicros: 1_000_000 };
    expect(decideReservation(stateOf([]), totals(60_000), request('premium', small))).toEqual({
      tier: 'standard',
      priceMicros: STANDARD,
      downgrade: downgraded(60_000, 0, 100_000),
    });
    expect(refusalOf(() => decideReservation(stateOf([]), totals(998_000), request('standard', small))).code).toBe(
      'budget_exhausted',
    );
    // The month's own caps, a missing hard cap included, replace the configured ones.
    expect(decideReservation(stateOf([capSet(2_000_000)]), totals(999_000), request('premium', small)).tier).toBe(
      'premium',
    );
  });

  it('refuses with budget_exhausted when the hard cap leaves no room for the chosen tier', () => {
    const refusal = refusalOf(() =>
      decideReservation(stateOf([capSet(1_000_000, 1_000_000)]), totals(990_000, 7_001), request()),
    );
    expect(refusal).toMatchObject({
      code: 'budget_exhausted',
      message: expect.stringMatching(/standard image/),
      details: { hardCapMicros: 1_000_000, spendMicros: 990_000, reservedMicros: 7_001 },
    });
  });

  it('counts unknown spend as spent: against the hard cap and the soft cap', () => {
    const capped = stateOf([capSet(1_000_000, 1_000_000)]);
    // 900_000 billed + 10_000 held + 87_001 unknown + 3_000 Standard passes the hard cap by one.
    const refusal = refusalOf(() => decideReservation(capped, totals(900_000, 10_000, 87_001), request('standard')));
    expect(refusal).toMatchObject({ code: 'budget_exhausted', details: { unknownMicros: 87_001 } });
    expect(decideReservation(capped, totals(900_000, 10_000, 87_000), request('standard')).tier).toBe('standard');
    // Premium passes the soft cap because of unknown spend alone.
    const roomy = stateOf([capSet(1_000_000)]);
    expect(decideReservation(roomy, totals(0, 0, 920_001), request()).downgrade).toEqual(downgraded(0, 0, 1_000_000));
    expect(decideReservation(roomy, totals(0, 0, 920_000), request()).tier).toBe('premium');
  });

  it('fills the hard cap exactly with the chosen tier', () => {
    // Premium is refused by the soft cap, but the Standard image it becomes still fits.
    expect(decideReservation(stateOf([capSet(1_000_000, 1_000_000)]), totals(990_000, 7_000), request())).toEqual({
      tier: 'standard',
      priceMicros: STANDARD,
      downgrade: downgraded(990_000, 7_000, 1_000_000),
    });
  });

  it.each([
    ['premiumPriceMicros', -1],
    ['standardPriceMicros', 0.5],
  ] as const)('refuses %s = %p', (field, value) => {
    const refusal = refusalOf(() => decideReservation(stateOf([]), totals(0), request('premium', { [field]: value })));
    expect(refusal.code).toBe('validation_failed');
    expect(refusal.message).toMatch(field);
  });
});

describe('assertHoldRaiseAllowed', () => {
  const raise = (addedMicros: number) => ({ ...DEFAULTS, addedMicros });

  it('allows a raise that fills the hard cap exactly, counting billed, held and unknown spend', () => {
    const capped = stateOf([capSet(1_000_000, 1_000_000)]);
    expect(() => assertHoldRaiseAllowed(capped, totals(500_000, 300_000, 120_000), raise(80_000))).not.toThrow();
    const refusal = refusalOf(() => assertHoldRaiseAllowed(capped, totals(500_000, 300_000, 120_000), raise(80_001)));
    expect(refusal).toMatchObject({
      code: 'budget_exhausted',
      message: expect.stringMatching(/another provider call/),
      details: { hardCapMicros: 1_000_000, spendMicros: 500_000, reservedMicros: 300_000, unknownMicros: 120_000 },
    });
  });

  it('allows any raise without a hard cap, and past the soft cap (the call was reserved within it)', () => {
    expect(() =>
      assertHoldRaiseAllowed(stateOf([capSet(1_000)]), totals(5_000, 5_000, 5_000), raise(80_000)),
    ).not.toThrow();
  });

  it('uses the configured hard cap until the month has its own', () => {
    const configured = { defaultCapMicros: 1_000, defaultHardCapMicros: 1_000 };
    const refusal = refusalOf(() =>
      assertHoldRaiseAllowed(stateOf([]), totals(0, 1_000), { ...configured, addedMicros: 1 }),
    );
    expect(refusal.code).toBe('budget_exhausted');
  });

  it.each([0, -1, 0.5])('refuses addedMicros = %p', (addedMicros) => {
    expect(refusalOf(() => assertHoldRaiseAllowed(stateOf([]), totals(0), raise(addedMicros))).code).toBe(
      'validation_failed',
    );
  });
});

describe('DowngradeTier', () => {
  const downgrade = (monthTotals: BudgetTotals, defaultCapMicros = 1_000_000) => ({
    type: 'DowngradeTier' as const,
    data: { defaultCapMicros, defaultHardCapMicros: null, totals: monthTotals, premiumPriceMicros: PREMIUM, now: NOW },
  });

  it('records why Premium stopped: the figures that made its next image pass the soft cap', () => {
    budget
      .given([capSet(1_000_000)])
      .when(downgrade(totals(900_000, PREMIUM)))
      .then([downgraded(900_000, PREMIUM, 1_000_000)]);
    budget
      .given([])
      .when(downgrade(totals(60_000), 100_000))
      .then([downgraded(60_000, 0, 100_000)]);
  });

  it('records it on the transition only', () => {
    const downgradedMonth = [capSet(1_000_000), downgraded(900_000, PREMIUM, 1_000_000)];
    budget
      .given(downgradedMonth)
      .when(downgrade(totals(950_000, PREMIUM)))
      .then([]);
    budget
      .given([...downgradedMonth, restored('cap_raised')])
      .when(downgrade(totals(950_000, PREMIUM)))
      .then([downgraded(950_000, PREMIUM, 1_000_000)]);
  });

  it('records nothing while Premium still fits, up to filling the soft cap exactly', () => {
    budget
      .given([capSet(1_000_000)])
      .when(downgrade(totals(900_000, 20_000)))
      .then([]);
  });
});

describe('SettleLateCost', () => {
  const settleLate = (reservationId: string, costMicros = 75_000, now = NOW) => ({
    type: 'SettleLateCost' as const,
    data: { reservationId, costMicros, now },
  });

  it('records the cost of an expired reservation once per reservation id', () => {
    budget
      .given([])
      .when(settleLate('r1'))
      .then([lateCostSettled('r1')]);
    budget
      .given([lateCostSettled('r1')])
      .when(settleLate('r1'))
      .then([]);
    budget
      .given([lateCostSettled('r1')])
      .when(settleLate('r2', 1_000))
      .then([lateCostSettled('r2', 1_000)]);
  });

  it('records the unknown spend the known outcomes explain, and nothing for none', () => {
    budget
      .given([])
      .when({
        type: 'SettleLateCost',
        data: { reservationId: 'r1', costMicros: 40_000, resolvedUnknownMicros: 80_000, now: NOW },
      })
      .then([
        {
          type: 'LateCostSettled',
          data: { reservationId: 'r1', costMicros: 40_000, resolvedUnknownMicros: 80_000, at: AT },
        },
      ]);
    budget
      .given([])
      .when({
        type: 'SettleLateCost',
        data: { reservationId: 'r1', costMicros: 40_000, resolvedUnknownMicros: 0, now: NOW },
      })
      .then([{ type: 'LateCostSettled', data: { reservationId: 'r1', costMicros: 40_000, at: AT } }]);
    budget
      .given([])
      .when({
        type: 'SettleLateCost',
        data: { reservationId: 'r1', costMicros: 1, resolvedUnknownMicros: -1, now: NOW },
      })
      .thenThrows('validation_failed', /resolvedUnknownMicros/);
  });

  it('still recognises a retry behind many later settlements', () => {
    const later = Array.from({ length: 199 }, (_, index) => lateCostSettled(`later-${index}`));
    budget
      .given([lateCostSettled('r1'), ...later])
      .when(settleLate('r1'))
      .then([]);
  });

  it.each([-1, 0.5])('refuses a cost of %p', (costMicros) => {
    budget
      .given([])
      .when(settleLate('r1', costMicros))
      .thenThrows('validation_failed', /costMicros/);
  });

  it('settles into the month of the reservation, even after the month has turned', () => {
    const lastSecond = new Date('2026-11-30T23:59:59.000Z');
    const nextMonth = new Date('2026-12-01T00:00:30.000Z');
    expect(budgetStreamId(monthOf(lastSecond))).toBe('budget-2026-11');
    budget
      .given([])
      .when(settleLate('r1', PREMIUM, nextMonth))
      .then([
        { type: 'LateCostSettled', data: { reservationId: 'r1', costMicros: PREMIUM, at: nextMonth.toISOString() } },
      ]);
  });
});

describe('EvaluateBudget', () => {
  const evaluate = (monthTotals: BudgetTotals, defaultCapMicros = 1_000_000) => ({
    type: 'EvaluateBudget' as const,
    data: { defaultCapMicros, defaultHardCapMicros: null, totals: monthTotals, now: NOW },
  });
  const downgradedMonth = [downgraded(900_000, PREMIUM, 1_000_000)];

  it('does nothing while Premium is served or still does not fit', () => {
    budget
      .given([])
      .when(evaluate(totals(0)))
      .then([]);
    budget
      .given([])
      .when(evaluate(totals(2_000_000)))
      .then([]);
    budget
      .given(downgradedMonth)
      .when(evaluate(totals(900_000, PREMIUM)))
      .then([]);
  });

  it('restores Premium once the price that caused the downgrade fits again, exactly included', () => {
    budget
      .given(downgradedMonth)
      .when(evaluate(totals(900_000)))
      .then([restored('spend_below_cap')]);
    budget
      .given(downgradedMonth)
      .when(evaluate(totals(900_000, 20_000)))
      .then([restored('spend_below_cap')]);
    budget
      .given(downgradedMonth)
      .when(evaluate(totals(900_000, 20_001)))
      .then([]);
  });

  it('restores Premium when the configured cap was raised', () => {
    budget
      .given(downgradedMonth)
      .when(evaluate(totals(900_000, PREMIUM), 2_000_000))
      .then([restored('spend_below_cap')]);
  });

  it('measures against the month cap over the configured one', () => {
    const ownCap = [capSet(1_000_000), ...downgradedMonth];
    budget
      .given(ownCap)
      .when(evaluate(totals(900_000, PREMIUM), 2_000_000))
      .then([]);
    budget
      .given(ownCap)
      .when(evaluate(totals(900_000), 0))
      .then([restored('spend_below_cap')]);
  });
});

describe('SetBudgetCap', () => {
  const setCap = (capMicros: number, hardCapMicros: number | null = null, monthTotals = totals(0)) => ({
    type: 'SetBudgetCap' as const,
    data: { capMicros, hardCapMicros, totals: monthTotals, now: NOW },
  });
  const downgradedMonth = [capSet(1_000_000), downgraded(950_000, 0, 1_000_000)];

  it('records the cap', () => {
    budget
      .given([])
      .when(setCap(150_000_000, 200_000_000))
      .then([capSet(150_000_000, 200_000_000)]);
  });

  it('restores Premium when a raised cap leaves room for it', () => {
    budget
      .given(downgradedMonth)
      .when(setCap(2_000_000, null, totals(950_000)))
      .then([capSet(2_000_000), restored('cap_raised')]);
    budget
      .given(downgradedMonth)
      .when(setCap(1_030_000, null, totals(950_000)))
      .then([capSet(1_030_000), restored('cap_raised')]);
    budget
      .given(downgradedMonth)
      .when(setCap(1_029_999, null, totals(950_000)))
      .then([capSet(1_029_999)]);
  });

  it('says spend_below_cap when Premium fits again without a higher cap', () => {
    const month = [capSet(200_000), downgraded(0, 2 * PREMIUM, 200_000)];
    budget
      .given(month)
      .when(setCap(200_000, null, totals(0, PREMIUM)))
      .then([capSet(200_000), restored('spend_below_cap')]);
    budget
      .given(month)
      .when(setCap(150_000, null, totals(0)))
      .then([capSet(150_000), restored('spend_below_cap')]);
  });

  it('leaves the tier to the next reservation when a lower cap no longer fits Premium', () => {
    budget
      .given([])
      .when(setCap(1_000, null, totals(990_000)))
      .then([capSet(1_000)]);
  });

  it("keeps a cap left out: the month's own, else the configured one; null removes the hard cap", () => {
    const setOnly = (data: { capMicros?: number; hardCapMicros?: number | null }) => ({
      type: 'SetBudgetCap' as const,
      data: {
        ...data,
        defaults: { defaultCapMicros: 100_000, defaultHardCapMicros: 500_000 },
        totals: totals(0),
        now: NOW,
      },
    });
    // No caps of the month's own: the configured hard cap is kept.
    budget
      .given([])
      .when(setOnly({ capMicros: 200_000 }))
      .then([capSet(200_000, 500_000)]);
    budget
      .given([capSet(150_000, 300_000)])
      .when(setOnly({ capMicros: 200_000 }))
      .then([capSet(200_000, 300_000)]);
    budget
      .given([capSet(150_000, 300_000)])
      .when(setOnly({ hardCapMicros: 400_000 }))
      .then([capSet(150_000, 400_000)]);
    budget
      .given([capSet(150_000, 300_000)])
      .when(setOnly({ hardCapMicros: null }))
      .then([capSet(150_000, null)]);
    // A cap given alone must still fit under the hard cap kept.
    budget
      .given([capSet(150_000, 300_000)])
      .when(setOnly({ capMicros: 300_001 }))
      .thenThrows('validation_failed', /capUsd/);
    budget
      .given([capSet(150_000, 300_000)])
      .when(setOnly({ hardCapMicros: 149_999 }))
      .thenThrows('validation_failed', /hardCapUsd/);
  });

  it.each([
    [-1, null],
    [1.5, null],
    [1_000_000, 999_999],
  ])('refuses cap %p with hard cap %p', (capMicros, hardCapMicros) => {
    budget.given([]).when(setCap(capMicros, hardCapMicros)).thenThrows('validation_failed');
  });
});

describe('a new month', () => {
  const newMonth = (previousMonthTier: Tier) => ({
    type: 'RecordNewMonth' as const,
    data: { previousMonthTier, now: new Date('2026-12-01T00:00:05Z') },
  });
  const restoredNewMonth: BudgetEvent = {
    type: 'TierRestored',
    data: { reason: 'new_month', at: '2026-12-01T00:00:05.000Z' },
  };

  it('starts with Premium and the configured caps', () => {
    expect(budgetView(stateOf([]), totals(0), DEFAULTS)).toEqual({
      spendMicros: 0,
      reservedMicros: 0,
      unknownMicros: 0,
      capMicros: 100_000_000,
      hardCapMicros: null,
      tier: 'premium',
      downgradedAt: null,
    });
  });

  it('records that Premium is back after a downgraded month, once', () => {
    budget.given([]).when(newMonth('standard')).then([restoredNewMonth]);
    budget.given([restoredNewMonth]).when(newMonth('standard')).then([]);
    budget.given([]).when(newMonth('premium')).then([]);
  });

  it('leaves a month that has already downgraded on its own as it is', () => {
    budget
      .given([downgraded(0, 0, 0)])
      .when(newMonth('standard'))
      .then([]);
  });

  it('names months in UTC', () => {
    expect(monthOf(new Date('2026-11-30T23:59:59.999Z'))).toBe('2026-11');
    expect(monthOf(new Date('2026-12-01T00:00:00.000Z'))).toBe('2026-12');
    expect(monthOf(new Date('2026-12-01T00:30:00.000+01:00'))).toBe('2026-11');
    expect(previousMonth('2027-01')).toBe('2026-12');
    expect(previousMonth('2026-11')).toBe('2026-10');
  });
});

describe('budgetView', () => {
  it('shows the month totals, the month caps over the configured ones, and when Premium stopped', () => {
    const state = stateOf([capSet(150_000_000, 200_000_000), downgraded(0, 0, 150_000_000)]);
    expect(budgetView(state, totals(149_950_000, 160_000, 40_000), DEFAULTS)).toEqual({
      spendMicros: 149_950_000,
      reservedMicros: 160_000,
      unknownMicros: 40_000,
      capMicros: 150_000_000,
      hardCapMicros: 200_000_000,
      tier: 'standard',
      downgradedAt: AT,
    });
  });

  it('shows Premium again once it is restored', () => {
    const state = stateOf([downgraded(0, 0, 100_000_000), restored('cap_raised')]);
    expect(budgetView(state, totals(5_000, 0), DEFAULTS)).toMatchObject({
      spendMicros: 5_000,
      tier: 'premium',
      downgradedAt: null,
    });
  });
});

describe('forecastMicros', () => {
  it("projects the month's spend linearly from the part of the month that has passed", () => {
    // 14 of November's 30 days have passed.
    expect(forecastMicros(1_400_000, new Date('2026-11-15T00:00:00Z'))).toBe(3_000_000);
    expect(forecastMicros(0, new Date('2026-11-15T00:00:00Z'))).toBe(0);
  });

  it('counts at least an hour, so the first minutes of a month do not explode the figure', () => {
    // December has 744 hours.
    expect(forecastMicros(1_000, new Date('2026-12-01T00:00:05Z'))).toBe(744_000);
  });
});

describe('RecordHardCapReached', () => {
  const refused = (hardCapMicros: number) => ({
    type: 'RecordHardCapReached' as const,
    data: { hardCapMicros, refusedPriceMicros: STANDARD, totals: totals(990_000, 7_001, 1_000), now: NOW },
  });
  const reached = (hardCapMicros: number): BudgetEvent => ({
    type: 'HardCapReached',
    data: {
      hardCapMicros,
      spendMicros: 990_000,
      reservedMicros: 7_001,
      unknownMicros: 1_000,
      refusedPriceMicros: STANDARD,
      at: AT,
    },
  });

  it('records the first refusal of a hard cap, and no later one of the same cap', () => {
    budget
      .given([capSet(1_000_000, 1_000_000)])
      .when(refused(1_000_000))
      .then([reached(1_000_000)]);
    budget
      .given([capSet(1_000_000, 1_000_000), reached(1_000_000)])
      .when(refused(1_000_000))
      .then([]);
  });

  it('records again once the hard cap has another value', () => {
    budget
      .given([capSet(1_000_000, 1_000_000), reached(1_000_000), capSet(1_000_000, 1_200_000)])
      .when(refused(1_200_000))
      .then([reached(1_200_000)]);
  });
});
