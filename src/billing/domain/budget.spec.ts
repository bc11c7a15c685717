import { decider } from '../../../test/support/given-when-then';
import type { Tier } from '../../config/app-config';
import {
  budgetDecider,
  budgetStreamId,
  budgetView,
  monthOf,
  previousMonth,
  type BudgetEvent,
  type ReserveBudget,
  type RestoreReason,
} from './budget';

const budget = decider(budgetDecider);
const DEFAULTS = { defaultCapMicros: 100_000_000, defaultHardCapMicros: null };
const PREMIUM = 80_000;
const STANDARD = 3_000;
const NOW = new Date('2026-11-24T12:00:00.000Z');
const AT = NOW.toISOString();

function reserve(
  reservationId: string,
  requestedTier: Tier = 'premium',
  overrides: Partial<ReserveBudget['data']> = {},
): ReserveBudget {
  return {
    type: 'ReserveBudget',
    data: {
      reservationId,
      requestedTier,
      premiumPriceMicros: PREMIUM,
      standardPriceMicros: STANDARD,
      ...DEFAULTS,
      now: NOW,
      ...overrides,
    },
  };
}

function capSet(capMicros: number, hardCapMicros: number | null = null): BudgetEvent {
  return { type: 'BudgetCapSet', data: { capMicros, hardCapMicros, setAt: AT } };
}

function reserved(reservationId: string, tier: Tier = 'premium'): BudgetEvent {
  const priceMicros = tier === 'premium' ? PREMIUM : STANDARD;
  return { type: 'BudgetReserved', data: { reservationId, tier, priceMicros, at: AT } };
}

function settled(reservationId: string, costMicros: number): BudgetEvent {
  return { type: 'BudgetSettled', data: { reservationId, costMicros, at: AT } };
}

function releasedEvent(reservationId: string): BudgetEvent {
  return { type: 'BudgetReleased', data: { reservationId, at: AT } };
}

function downgraded(spendMicros: number, reservedMicros: number, capMicros: number): BudgetEvent {
  return {
    type: 'TierDowngraded',
    data: { reason: 'soft_cap_exceeded', spendMicros, reservedMicros, nextPremiumPriceMicros: PREMIUM, capMicros, at: AT },
  };
}

function restored(reason: RestoreReason): BudgetEvent {
  return { type: 'TierRestored', data: { reason, at: AT } };
}

/** A month whose settled spend is `spendMicros` (one settlement, for brevity). */
function spent(spendMicros: number): BudgetEvent[] {
  return [reserved('earlier'), settled('earlier', spendMicros)];
}

describe('ReserveBudget', () => {
  it('serves the requested tier while the soft cap leaves room for it', () => {
    budget.given([]).when(reserve('r1')).then([reserved('r1')]);
    budget.given([]).when(reserve('r1', 'standard')).then([reserved('r1', 'standard')]);
    budget.given([capSet(1_000_000), ...spent(920_000)]).when(reserve('r1')).then([reserved('r1')]);
  });

  it('downgrades Premium to Standard once spend, in-flight reservations and the price pass the soft cap', () => {
    budget
      .given([capSet(1_000_000), ...spent(900_000), reserved('r0')])
      .when(reserve('r1'))
      .then([downgraded(900_000, PREMIUM, 1_000_000), reserved('r1', 'standard')]);
  });

  it('does not record the downgrade again while it lasts', () => {
    budget
      .given([capSet(1_000_000), ...spent(990_000), downgraded(990_000, 0, 1_000_000), reserved('r1', 'standard')])
      .when(reserve('r2'))
      .then([reserved('r2', 'standard')]);
  });

  it('records the downgrade even when the request that finds it asked for Standard', () => {
    budget
      .given([capSet(1_000_000), ...spent(990_000)])
      .when(reserve('r1', 'standard'))
      .then([downgraded(990_000, 0, 1_000_000), reserved('r1', 'standard')]);
  });

  it('uses the configured cap until the month has its own', () => {
    budget
      .given([...spent(60_000)])
      .when(reserve('r1', 'premium', { defaultCapMicros: 100_000 }))
      .then([downgraded(60_000, 0, 100_000), reserved('r1', 'standard')]);
  });

  it('refuses with budget_exhausted when the hard cap leaves no room for the chosen tier', () => {
    budget.given([capSet(1_000_000, 1_000_000), ...spent(998_000)]).when(reserve('r1')).thenThrows('budget_exhausted');
    budget
      .given([...spent(998_000)])
      .when(reserve('r1', 'standard', { defaultCapMicros: 1_000_000, defaultHardCapMicros: 1_000_000 }))
      .thenThrows('budget_exhausted');
  });

  it('fills the hard cap exactly', () => {
    budget
      .given([capSet(1_000_000, 1_000_000), ...spent(997_000), downgraded(997_000, 0, 1_000_000)])
      .when(reserve('r1'))
      .then([reserved('r1', 'standard')]);
  });

  it('refuses a reservation id that is still open', () => {
    budget.given([reserved('r1')]).when(reserve('r1')).thenThrows('invalid_state', /already exists/);
  });

  it.each([
    ['premiumPriceMicros', -1],
    ['standardPriceMicros', 0.5],
  ] as const)('refuses %s = %p', (field, value) => {
    budget
      .given([])
      .when(reserve('r1', 'premium', { [field]: value }))
      .thenThrows('validation_failed', new RegExp(field));
  });
});

describe('SettleBudget and ReleaseBudget', () => {
  const settle = (reservationId: string, costMicros = 75_000) => ({
    type: 'SettleBudget' as const,
    data: { reservationId, costMicros, now: NOW },
  });
  const release = (reservationId: string) => ({ type: 'ReleaseBudget' as const, data: { reservationId, now: NOW } });

  it('moves a settled reservation from reserved to spend at its actual cost', () => {
    budget.given([reserved('r1')]).when(settle('r1')).then([settled('r1', 75_000)]);
    const view = budgetView(budget.given([reserved('r1'), reserved('r2'), settled('r1', 75_000)]).state, DEFAULTS);
    expect(view).toMatchObject({ spendMicros: 75_000, reservedMicros: PREMIUM });
  });

  it('has no second effect when settled twice', () => {
    budget.given([reserved('r1'), settled('r1', 75_000)]).when(settle('r1')).then([]);
  });

  it('counts a cost settled after its reservation was released: the provider was paid', () => {
    const given = [reserved('r1'), releasedEvent('r1')];
    budget.given(given).when(settle('r1')).then([settled('r1', 75_000)]);
    expect(budgetView(budget.given([...given, settled('r1', 75_000)]).state, DEFAULTS)).toMatchObject({
      spendMicros: 75_000,
      reservedMicros: 0,
    });
  });

  it('counts the spend of a settlement a month stream never reserved', () => {
    budget.given([]).when(settle('elsewhere')).then([settled('elsewhere', 75_000)]);
  });

  it('refuses a negative cost', () => {
    budget.given([reserved('r1')]).when(settle('r1', -1)).thenThrows('validation_failed', /costMicros/);
  });

  it('releases an open reservation once, and ignores unknown or settled ones', () => {
    budget.given([reserved('r1')]).when(release('r1')).then([releasedEvent('r1')]);
    expect(budgetView(budget.given([reserved('r1'), releasedEvent('r1')]).state, DEFAULTS).reservedMicros).toBe(0);
    budget.given([reserved('r1'), releasedEvent('r1')]).when(release('r1')).then([]);
    budget.given([reserved('r1'), settled('r1', 75_000)]).when(release('r1')).then([]);
    budget.given([]).when(release('unknown')).then([]);
  });

  it('settles into the month of the reservation, even after the month has turned', () => {
    const lastSecond = new Date('2026-11-30T23:59:59.000Z');
    const nextMonth = new Date('2026-12-01T00:00:30.000Z');
    expect(budgetStreamId(monthOf(lastSecond))).toBe('budget-2026-11');
    budget
      .given([reserved('r1')])
      .when({ type: 'SettleBudget', data: { reservationId: 'r1', costMicros: PREMIUM, now: nextMonth } })
      .then([
        { type: 'BudgetSettled', data: { reservationId: 'r1', costMicros: PREMIUM, at: nextMonth.toISOString() } },
      ]);
  });
});

describe('EvaluateBudget', () => {
  const evaluate = (defaultCapMicros = 1_000_000) => ({
    type: 'EvaluateBudget' as const,
    data: { defaultCapMicros, defaultHardCapMicros: null, now: NOW },
  });
  const downgradedMonth = [...spent(900_000), reserved('r1'), downgraded(900_000, PREMIUM, 1_000_000)];

  it('does nothing while Premium is served or still does not fit', () => {
    budget.given([]).when(evaluate()).then([]);
    budget.given(downgradedMonth).when(evaluate()).then([]);
  });

  it('restores Premium once in-flight reservations are gone and its price fits again', () => {
    budget.given([...downgradedMonth, releasedEvent('r1')]).when(evaluate()).then([restored('spend_below_cap')]);
  });

  it('restores Premium when the configured cap was raised', () => {
    budget.given(downgradedMonth).when(evaluate(2_000_000)).then([restored('spend_below_cap')]);
  });
});

describe('SetBudgetCap', () => {
  const setCap = (capMicros: number, hardCapMicros: number | null = null) => ({
    type: 'SetBudgetCap' as const,
    data: { capMicros, hardCapMicros, now: NOW },
  });
  const downgradedMonth = [capSet(1_000_000), ...spent(950_000), downgraded(950_000, 0, 1_000_000)];

  it('records the cap', () => {
    budget.given([]).when(setCap(150_000_000, 200_000_000)).then([capSet(150_000_000, 200_000_000)]);
  });

  it('restores Premium when a raised cap leaves room for it', () => {
    budget.given(downgradedMonth).when(setCap(2_000_000)).then([capSet(2_000_000), restored('cap_raised')]);
    budget.given(downgradedMonth).when(setCap(1_010_000)).then([capSet(1_010_000)]);
  });

  it('says spend_below_cap when Premium fits again without a higher cap', () => {
    budget
      .given([capSet(200_000), reserved('r1'), reserved('r2'), downgraded(0, 2 * PREMIUM, 200_000), releasedEvent('r1')])
      .when(setCap(200_000))
      .then([capSet(200_000), restored('spend_below_cap')]);
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

  it('starts with Premium, no spend and the configured caps', () => {
    expect(budgetView(budget.given([]).state, DEFAULTS)).toEqual({
      spendMicros: 0,
      reservedMicros: 0,
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
    budget.given([downgraded(0, 0, 0)]).when(newMonth('standard')).then([]);
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
  it('shows the month caps over the configured ones, and when Premium stopped', () => {
    const state = budget.given([capSet(150_000_000, 200_000_000), downgraded(0, 0, 150_000_000)]).state;
    expect(budgetView(state, DEFAULTS)).toEqual({
      spendMicros: 0,
      reservedMicros: 0,
      capMicros: 150_000_000,
      hardCapMicros: 200_000_000,
      tier: 'standard',
      downgradedAt: AT,
    });
  });
});
