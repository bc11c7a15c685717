import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError } from '../../common/domain-error';
import type { Tier } from '../../config/app-config';
import {
  budgetDecider,
  budgetView,
  decideReservation,
  type BudgetCommand,
  type BudgetEvent,
  type BudgetState,
  type BudgetTotals,
  type ReservationDecision,
  type ReservationRequest,
} from './budget';

// The budget's auditor: provider costs and in-flight prices kept as plain lists, and the tier rule
// stated once more in its simplest form, run side by side with the decider. Steps are applied one
// at a time, as the service does under the month row's lock: the auditor's totals stand in for
// the `budget_months` row.

type Action =
  | { kind: 'reserve'; requestedTier: Tier; premiumPriceMicros: number; standardPriceMicros: number }
  | { kind: 'capture'; pick: number; costShare: number }
  | { kind: 'release'; pick: number }
  | { kind: 'settleLate'; pick: number; costShare: number }
  | { kind: 'setCap'; capMicros: number; hardCapExtraMicros: number | null }
  | { kind: 'evaluate' };

const DEFAULTS = { defaultCapMicros: 500_000, defaultHardCapMicros: 650_000 };
const START_MS = Date.parse('2026-11-01T00:00:00Z');

const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      requestedTier: fc.constantFrom<Tier>('premium', 'standard'),
      premiumPriceMicros: fc.integer({ min: 40_000, max: 120_000 }),
      standardPriceMicros: fc.integer({ min: 1_000, max: 5_000 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('capture' as const),
      pick: fc.nat(),
      costShare: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('settleLate' as const),
      pick: fc.nat(),
      costShare: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    weight: 2,
  },
  fc.record({
    kind: fc.constant('setCap' as const),
    capMicros: fc.integer({ min: 0, max: 1_000_000 }),
    hardCapExtraMicros: fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: null }),
  }),
  { arbitrary: fc.record({ kind: fc.constant('evaluate' as const) }), weight: 2 },
);

function decideOrCode(command: BudgetCommand, state: BudgetState): readonly BudgetEvent[] | string {
  try {
    return budgetDecider.decide(command, state);
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

function reservationOrCode(
  state: BudgetState,
  totals: BudgetTotals,
  request: ReservationRequest,
): ReservationDecision | string {
  try {
    return decideReservation(state, totals, request);
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

describe('monthly budget against the auditor', () => {
  it('never reserves past the hard cap, chooses the tier by the simple rule and records each downgrade once', () => {
    fc.assert(
      fc.property(fc.array(actionArbitrary, { minLength: 20, maxLength: 120 }), (actions) => {
        const open = new Map<string, number>();
        const expired = new Map<string, number>();
        const lateSettledIds = new Set<string>();
        const costs: number[] = [];
        const lateCosts: number[] = [];
        let cap = DEFAULTS.defaultCapMicros;
        let hardCap: number | null = DEFAULTS.defaultHardCapMicros;
        let downgrade: { premiumPriceMicros: number; capMicros: number; at: string } | null = null;
        let downgrades = 0;
        let state = budgetDecider.initialState();
        const log: BudgetEvent[] = [];
        const totals = (): BudgetTotals => ({ spendMicros: sum(costs), reservedMicros: sum(open.values()) });
        const committed = () => sum(costs) + sum(open.values());
        const record = (events: readonly BudgetEvent[]) => {
          log.push(...events);
          state = events.reduce(budgetDecider.evolve, state);
        };
        // node:assert rather than expect: these run thousands of times per property run.
        const decideStream = (command: BudgetCommand, expected: readonly BudgetEvent[]) => {
          const outcome = decideOrCode(command, state);
          assert.deepEqual(outcome, expected);
          record(expected);
        };

        actions.forEach((action, step) => {
          const now = new Date(START_MS + step * 60_000);
          const at = now.toISOString();

          switch (action.kind) {
            case 'reserve': {
              const before = totals();
              const { requestedTier, premiumPriceMicros, standardPriceMicros } = action;
              const downgradesNow = downgrade === null && committed() + premiumPriceMicros > cap;
              const tier: Tier =
                requestedTier === 'premium' && downgrade === null && !downgradesNow ? 'premium' : 'standard';
              const priceMicros = tier === 'premium' ? premiumPriceMicros : standardPriceMicros;
              const decision = reservationOrCode(state, before, {
                requestedTier,
                premiumPriceMicros,
                standardPriceMicros,
                ...DEFAULTS,
                now,
              });
              if (hardCap !== null && committed() + priceMicros > hardCap) {
                assert.equal(decision, 'budget_exhausted');
                break;
              }
              assert.ok(typeof decision !== 'string', `reservation refused with ${String(decision)}`);
              const expectedDowngrade = downgradesNow
                ? {
                    type: 'TierDowngraded' as const,
                    data: {
                      reason: 'soft_cap_exceeded' as const,
                      ...before,
                      nextPremiumPriceMicros: premiumPriceMicros,
                      capMicros: cap,
                      at,
                    },
                  }
                : null;
              assert.deepEqual(decision, { tier, priceMicros, downgrade: expectedDowngrade });
              if (decision.downgrade) {
                // The service records it through the stream, with the same figures.
                decideStream(
                  { type: 'DowngradeTier', data: { ...DEFAULTS, totals: before, premiumPriceMicros, now } },
                  [decision.downgrade],
                );
                downgrade = { premiumPriceMicros, capMicros: cap, at };
                downgrades += 1;
              }
              open.set(`r${step}`, priceMicros);
              if (hardCap !== null) assert.ok(committed() <= hardCap, 'a reservation passed the hard cap');
              break;
            }
            case 'capture':
            case 'release': {
              const ids = [...open.keys()];
              if (ids.length === 0) return;
              const reservationId = ids[action.pick % ids.length];
              const priceMicros = open.get(reservationId) as number;
              open.delete(reservationId);
              // Captures and releases change only the month row; the budget stream is not involved.
              if (action.kind === 'capture') costs.push(Math.floor(priceMicros * action.costShare));
              else expired.set(reservationId, priceMicros);
              break;
            }
            case 'settleLate': {
              const ids = [...expired.keys()];
              if (ids.length === 0) return;
              const reservationId = ids[action.pick % ids.length];
              const costMicros = Math.floor((expired.get(reservationId) as number) * action.costShare);
              const first = !lateSettledIds.has(reservationId);
              decideStream(
                { type: 'SettleLateCost', data: { reservationId, costMicros, now } },
                first ? [{ type: 'LateCostSettled', data: { reservationId, costMicros, at } }] : [],
              );
              if (first) {
                lateSettledIds.add(reservationId);
                costs.push(costMicros);
                lateCosts.push(costMicros);
              }
              break;
            }
            case 'setCap': {
              // The hard cap is never set below what is already committed, or no rule could hold it.
              const { capMicros, hardCapExtraMicros } = action;
              const hardCapMicros =
                hardCapExtraMicros === null ? null : Math.max(capMicros + hardCapExtraMicros, committed());
              const expected: BudgetEvent[] = [{ type: 'BudgetCapSet', data: { capMicros, hardCapMicros, setAt: at } }];
              if (downgrade !== null && committed() + downgrade.premiumPriceMicros <= capMicros) {
                expected.push({
                  type: 'TierRestored',
                  data: { reason: capMicros > downgrade.capMicros ? 'cap_raised' : 'spend_below_cap', at },
                });
                downgrade = null;
              }
              decideStream(
                { type: 'SetBudgetCap', data: { capMicros, hardCapMicros, totals: totals(), now } },
                expected,
              );
              cap = capMicros;
              hardCap = hardCapMicros;
              break;
            }
            case 'evaluate': {
              const restores = downgrade !== null && committed() + downgrade.premiumPriceMicros <= cap;
              decideStream(
                { type: 'EvaluateBudget', data: { ...DEFAULTS, totals: totals(), now } },
                restores ? [{ type: 'TierRestored', data: { reason: 'spend_below_cap', at } }] : [],
              );
              if (restores) downgrade = null;
              break;
            }
            default: {
              const unhandled: never = action;
              throw new Error(`unhandled action ${JSON.stringify(unhandled)}`);
            }
          }

          assert.deepEqual(budgetView(state, totals(), DEFAULTS), {
            ...totals(),
            unknownMicros: 0,
            capMicros: cap,
            hardCapMicros: hardCap,
            tier: downgrade === null ? 'premium' : 'standard',
            downgradedAt: downgrade === null ? null : downgrade.at,
          });
          // Reservations keep the month within the hard cap; only a provider bill for an expired
          // reservation, which was paid whatever the cap, can take it past.
          if (hardCap !== null)
            assert.ok(committed() <= hardCap + sum(lateCosts), 'spend + reserved passed the hard cap');
        });

        const transitions = log
          .filter((e) => e.type === 'TierDowngraded' || e.type === 'TierRestored')
          .map((e) => e.type);
        transitions.forEach((type, index) => expect(type).toBe(index % 2 === 0 ? 'TierDowngraded' : 'TierRestored'));
        expect(transitions.filter((type) => type === 'TierDowngraded')).toHaveLength(downgrades);
        expect(log.reduce(budgetDecider.evolve, budgetDecider.initialState())).toEqual(state);
      }),
      { numRuns: 500 },
    );
  });
});
