import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError } from '../../common/domain-error';
import type { Tier } from '../../config/app-config';
import { budgetDecider, budgetView, type BudgetCommand, type BudgetEvent, type BudgetState } from './budget';

// The budget's auditor: spend and in-flight prices kept as plain lists, and the tier rule
// stated once more in its simplest form, run side by side with the decider.

type Action =
  | { kind: 'reserve'; requestedTier: Tier; premiumPriceMicros: number; standardPriceMicros: number }
  | { kind: 'settle'; pick: number; costShare: number }
  | { kind: 'settleAgain'; pick: number }
  | { kind: 'release'; pick: number }
  | { kind: 'setCap'; capMicros: number; hardCapExtraMicros: number | null }
  | { kind: 'evaluate' };

const DEFAULTS = { defaultCapMicros: 1_000_000, defaultHardCapMicros: 1_200_000 };

const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      requestedTier: fc.constantFrom<Tier>('premium', 'standard'),
      premiumPriceMicros: fc.integer({ min: 40_000, max: 120_000 }),
      standardPriceMicros: fc.integer({ min: 1_000, max: 5_000 }),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(),
      costShare: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    weight: 3,
  },
  fc.record({ kind: fc.constant('settleAgain' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('setCap' as const),
    capMicros: fc.integer({ min: 0, max: 2_000_000 }),
    hardCapExtraMicros: fc.option(fc.integer({ min: 0, max: 500_000 }), { nil: null }),
  }),
  fc.record({ kind: fc.constant('evaluate' as const) }),
);

function decideOrCode(command: BudgetCommand, state: BudgetState): readonly BudgetEvent[] | string {
  try {
    return budgetDecider.decide(command, state);
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

function types(outcome: readonly BudgetEvent[] | string): readonly string[] | string {
  return typeof outcome === 'string' ? outcome : outcome.map((event) => event.type);
}

describe('monthly budget against the auditor', () => {
  it('never reserves past the hard cap and records each downgrade exactly once', () => {
    fc.assert(
      fc.property(fc.array(actionArbitrary, { minLength: 20, maxLength: 120 }), (actions) => {
        const now = new Date('2026-11-24T12:00:00Z');
        const open = new Map<string, number>();
        const settledIds: string[] = [];
        let spend = 0;
        let cap = DEFAULTS.defaultCapMicros;
        let hardCap: number | null = DEFAULTS.defaultHardCapMicros;
        let premiumPriceAtDowngrade: number | null = null;
        let state = budgetDecider.initialState();
        const log: BudgetEvent[] = [];
        const reserved = () => [...open.values()].reduce((sum, price) => sum + price, 0);

        actions.forEach((action, step) => {
          let command: BudgetCommand;
          let expected: readonly string[] | string;
          const committed = spend + reserved();

          switch (action.kind) {
            case 'reserve': {
              const reservationId = `r${step}`;
              const { requestedTier, premiumPriceMicros, standardPriceMicros } = action;
              command = {
                type: 'ReserveBudget',
                data: { reservationId, requestedTier, premiumPriceMicros, standardPriceMicros, ...DEFAULTS, now },
              };
              const downgradesNow = premiumPriceAtDowngrade === null && committed + action.premiumPriceMicros > cap;
              const premiumServed = action.requestedTier === 'premium' && premiumPriceAtDowngrade === null && !downgradesNow;
              const price = premiumServed ? action.premiumPriceMicros : action.standardPriceMicros;
              if (hardCap !== null && committed + price > hardCap) {
                expected = 'budget_exhausted';
              } else {
                expected = downgradesNow ? ['TierDowngraded', 'BudgetReserved'] : ['BudgetReserved'];
                if (downgradesNow) premiumPriceAtDowngrade = action.premiumPriceMicros;
                open.set(reservationId, price);
              }
              break;
            }
            case 'settle':
            case 'release': {
              const ids = [...open.keys()];
              if (ids.length === 0) return;
              const reservationId = ids[action.pick % ids.length];
              const price = open.get(reservationId) as number;
              open.delete(reservationId);
              if (action.kind === 'settle') {
                // Never above the reserved price, so only a reservation can raise spend + reserved.
                const costMicros = Math.floor(price * action.costShare);
                command = { type: 'SettleBudget', data: { reservationId, costMicros, now } };
                spend += costMicros;
                settledIds.push(reservationId);
                expected = ['BudgetSettled'];
              } else {
                command = { type: 'ReleaseBudget', data: { reservationId, now } };
                expected = ['BudgetReleased'];
              }
              break;
            }
            case 'settleAgain': {
              if (settledIds.length === 0) return;
              const reservationId = settledIds[action.pick % settledIds.length];
              command = { type: 'SettleBudget', data: { reservationId, costMicros: 1_000, now } };
              expected = [];
              break;
            }
            case 'setCap': {
              // The hard cap is never set below what is already committed, or no rule could hold it.
              const hardCapMicros =
                action.hardCapExtraMicros === null ? null : Math.max(action.capMicros + action.hardCapExtraMicros, committed);
              command = { type: 'SetBudgetCap', data: { capMicros: action.capMicros, hardCapMicros, now } };
              const restores = premiumPriceAtDowngrade !== null && committed + premiumPriceAtDowngrade <= action.capMicros;
              expected = restores ? ['BudgetCapSet', 'TierRestored'] : ['BudgetCapSet'];
              cap = action.capMicros;
              hardCap = hardCapMicros;
              if (restores) premiumPriceAtDowngrade = null;
              break;
            }
            case 'evaluate': {
              command = { type: 'EvaluateBudget', data: { ...DEFAULTS, now } };
              const restores = premiumPriceAtDowngrade !== null && committed + premiumPriceAtDowngrade <= cap;
              expected = restores ? ['TierRestored'] : [];
              if (restores) premiumPriceAtDowngrade = null;
              break;
            }
            default: {
              const unhandled: never = action;
              throw new Error(`unhandled action ${JSON.stringify(unhandled)}`);
            }
          }

          const outcome = decideOrCode(command, state);
          // node:assert rather than expect: these run thousands of times per property run.
          assert.deepEqual(types(outcome), expected);
          if (typeof outcome !== 'string') {
            log.push(...outcome);
            state = outcome.reduce(budgetDecider.evolve, state);
          }

          const view = budgetView(state, DEFAULTS);
          assert.deepEqual(view, {
            spendMicros: spend,
            reservedMicros: reserved(),
            capMicros: cap,
            hardCapMicros: hardCap,
            tier: premiumPriceAtDowngrade === null ? 'premium' : 'standard',
            downgradedAt: premiumPriceAtDowngrade === null ? null : view.downgradedAt,
          });
          if (view.hardCapMicros !== null) {
            assert.ok(view.spendMicros + view.reservedMicros <= view.hardCapMicros, 'spend + reserved passed the hard cap');
          }
        });

        const transitions = log
          .filter((e) => e.type === 'TierDowngraded' || e.type === 'TierRestored')
          .map((e) => e.type);
        transitions.forEach((type, index) => expect(type).toBe(index % 2 === 0 ? 'TierDowngraded' : 'TierRestored'));
        expect(log.reduce(budgetDecider.evolve, budgetDecider.initialState())).toEqual(state);
      }),
      { numRuns: 200 },
    );
  });
});
