import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError } from '../../common/domain-error';
import type { Tier } from '../../config/app-config';
import {
  assertHoldRaiseAllowed,
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
  | { kind: 'raise'; pick: number; addedMicros: number }
  | { kind: 'capture'; pick: number; costShare: number; unknownShare: number }
  | { kind: 'release'; pick: number; costShare: number; unknownShare: number }
  | { kind: 'expire'; pick: number }
  | { kind: 'settleLate'; pick: number; costShare: number; unknownShare: number }
  | { kind: 'setCap'; capMicros: number; hardCapExtraMicros: number | null }
  | { kind: 'evaluate' };

const DEFAULTS = { defaultCapMicros: 500_000, defaultHardCapMicros: 650_000 };
const START_MS = Date.parse('2026-11-01T00:00:00Z');

/** What a reservation's calls turn out to cost: a share of its hold billed, a share of the rest unknown. */
const shares = {
  costShare: fc.double({ min: 0, max: 1, noNaN: true }),
  unknownShare: fc.double({ min: 0, max: 1, noNaN: true }),
};

/** Splits a hold into billed and unknown spend, which never pass it together. */
function split(heldMicros: number, costShare: number, unknownShare: number): { billed: number; unknown: number } {
  const billed = Math.floor(heldMicros * costShare);
  return { billed, unknown: Math.floor((heldMicros - billed) * unknownShare) };
}

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
      kind: fc.constant('raise' as const),
      pick: fc.nat(),
      addedMicros: fc.integer({ min: 1, max: 120_000 }),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('capture' as const), pick: fc.nat(), ...shares }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), ...shares }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('expire' as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('settleLate' as const), pick: fc.nat(), ...shares }), weight: 2 },
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
  it('never holds past the hard cap, whatever calls cost or expire; chooses the tier by the simple rule; records each downgrade once', () => {
    fc.assert(
      fc.property(fc.array(actionArbitrary, { minLength: 20, maxLength: 120 }), (actions) => {
        const open = new Map<string, number>();
        const expired = new Map<string, number>();
        const lateSettledIds = new Set<string>();
        const costs: number[] = [];
        let unknown = 0;
        let cap = DEFAULTS.defaultCapMicros;
        let hardCap: number | null = DEFAULTS.defaultHardCapMicros;
        let downgrade: { premiumPriceMicros: number; capMicros: number; at: string } | null = null;
        let downgrades = 0;
        let state = budgetDecider.initialState();
        const log: BudgetEvent[] = [];
        const totals = (): BudgetTotals => ({
          spendMicros: sum(costs),
          reservedMicros: sum(open.values()),
          unknownMicros: unknown,
        });
        const committed = () => sum(costs) + sum(open.values()) + unknown;
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
                      spendMicros: before.spendMicros,
                      reservedMicros: before.reservedMicros,
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
            case 'raise': {
              // Another provider call for an open reservation: held within the hard cap, or refused.
              const ids = [...open.keys()];
              if (ids.length === 0) return;
              const reservationId = ids[action.pick % ids.length];
              const { addedMicros } = action;
              let outcome = 'allowed';
              try {
                assertHoldRaiseAllowed(state, totals(), { ...DEFAULTS, addedMicros });
              } catch (error) {
                outcome = error instanceof DomainError ? error.code : String(error);
              }
              if (hardCap !== null && committed() + addedMicros > hardCap) {
                assert.equal(outcome, 'budget_exhausted');
                break;
              }
              assert.equal(outcome, 'allowed');
              open.set(reservationId, (open.get(reservationId) as number) + addedMicros);
              break;
            }
            case 'capture':
            case 'release':
            case 'expire': {
              const ids = [...open.keys()];
              if (ids.length === 0) return;
              const reservationId = ids[action.pick % ids.length];
              const heldMicros = open.get(reservationId) as number;
              open.delete(reservationId);
              // Settling changes only the month row; the budget stream is not involved. An expired
              // reservation's whole hold is unknown: its call may have started in a process that died.
              if (action.kind === 'expire') {
                unknown += heldMicros;
                expired.set(reservationId, heldMicros);
              } else {
                const spent = split(heldMicros, action.costShare, action.unknownShare);
                costs.push(spent.billed);
                unknown += spent.unknown;
              }
              break;
            }
            case 'settleLate': {
              // The expired reservation's calls answered after all: billed, and what is still unknown.
              const ids = [...expired.keys()];
              if (ids.length === 0) return;
              const reservationId = ids[action.pick % ids.length];
              const heldMicros = expired.get(reservationId) as number;
              const spent = split(heldMicros, action.costShare, action.unknownShare);
              const costMicros = spent.billed;
              const resolvedUnknownMicros = heldMicros - spent.unknown;
              const first = !lateSettledIds.has(reservationId);
              const resolved = resolvedUnknownMicros > 0 ? { resolvedUnknownMicros } : {};
              decideStream(
                { type: 'SettleLateCost', data: { reservationId, costMicros, resolvedUnknownMicros, now } },
                first ? [{ type: 'LateCostSettled', data: { reservationId, costMicros, ...resolved, at } }] : [],
              );
              if (first) {
                lateSettledIds.add(reservationId);
                costs.push(costMicros);
                unknown -= resolvedUnknownMicros;
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
            capMicros: cap,
            hardCapMicros: hardCap,
            tier: downgrade === null ? 'premium' : 'standard',
            downgradedAt: downgrade === null ? null : downgrade.at,
          });
          // Every call is held before it starts and settles within its hold, a late bill included:
          // billed + held + unknown never passes the hard cap.
          if (hardCap !== null) assert.ok(committed() <= hardCap, 'billed + held + unknown passed the hard cap');
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
