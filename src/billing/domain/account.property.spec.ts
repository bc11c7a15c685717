import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError } from '../../common/domain-error';
import type { Tier } from '../../config/app-config';
import {
  accountDecider,
  creditStatus,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  type ReservationKind,
} from './account';

// An auditor (as TigerBeetle checks its ledger): a deliberately naive model that keeps every
// reservation forever and recomputes balances from scratch, run side by side with the decider.

const QUOTA = 3;
const TIMEOUT_SECONDS = 120;
const CREDITS_PER_TIER: Record<Tier, number> = { premium: 2, standard: 1 };
const NEVER_RESERVED = 'never-reserved';

type Action =
  | { kind: 'grant'; credits: number; externalId: string | null }
  | { kind: 'reserve'; tier: Tier }
  | { kind: 'capture'; pick: number; costMicros: number }
  | { kind: 'release'; pick: number }
  | { kind: 'expire' }
  | { kind: 'advanceClock'; milliseconds: number };

interface AuditedReservation {
  kind: ReservationKind;
  credits: number;
  day: string;
  expiresAt: number;
  status: 'open' | 'captured' | 'released';
}

class Auditor {
  private granted = 0;
  private readonly externalIds = new Set<string>();
  readonly reservations = new Map<string, AuditedReservation>();

  grant(credits: number, externalId: string | null): boolean {
    if (externalId !== null && this.externalIds.has(externalId)) return false;
    if (externalId !== null) this.externalIds.add(externalId);
    this.granted += credits;
    return true;
  }

  freeUsed(day: string): number {
    return this.all().filter((r) => r.kind === 'free' && r.day === day && r.status !== 'released').length;
  }

  paid(status: AuditedReservation['status']): number {
    return this.all()
      .filter((r) => r.kind === 'paid' && r.status === status)
      .reduce((sum, r) => sum + r.credits, 0);
  }

  available(): number {
    return this.granted - this.paid('open') - this.paid('captured');
  }

  totalGranted(): number {
    return this.granted;
  }

  private all(): AuditedReservation[] {
    return [...this.reservations.values()];
  }
}

const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    credits: fc.integer({ min: 1, max: 5 }),
    externalId: fc.option(fc.constantFrom('pi_1', 'pi_2', 'pi_3'), { nil: null }),
  }),
  {
    arbitrary: fc.record({ kind: fc.constant('reserve' as const), tier: fc.constantFrom<Tier>('premium', 'standard') }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('capture' as const),
      pick: fc.nat(),
      costMicros: fc.integer({ min: 0, max: 120_000 }),
    }),
    weight: 2,
  },
  fc.record({
    kind: fc.constant('release' as const),
    pick: fc.nat(),
  }),
  fc.record({ kind: fc.constant('expire' as const) }),
  fc.record({
    kind: fc.constant('advanceClock' as const),
    milliseconds: fc.oneof(
      fc.integer({ min: 0, max: 60_000 }),
      fc.integer({ min: 0, max: 600_000 }),
      fc.integer({ min: 0, max: 2 * 86_400_000 }),
    ),
  }),
);

/** Starts within 20 minutes of a UTC midnight, so that most runs cross one. */
const startArbitrary = fc
  .integer({ min: 0, max: 20 * 60_000 })
  .map((offset) => Date.parse('2026-11-24T23:50:00Z') + offset);

function day(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

function decideOrCode(command: AccountCommand, state: AccountState): readonly AccountEvent[] | string {
  try {
    return accountDecider.decide(command, state);
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

function typesOf(outcome: readonly AccountEvent[] | string): readonly string[] | string {
  return typeof outcome === 'string' ? outcome : outcome.map((event) => event.type);
}

function pickId(ids: readonly string[], pick: number): string {
  return ids[pick % ids.length];
}

describe('account ledger against the auditor', () => {
  it('keeps balances, quota and settlements right through any sequence of commands and days', () => {
    fc.assert(
      fc.property(startArbitrary, fc.array(actionArbitrary, { minLength: 20, maxLength: 80 }), (start, actions) => {
        const auditor = new Auditor();
        const log: AccountEvent[] = [];
        const ids: string[] = [NEVER_RESERVED];
        let state = accountDecider.initialState();
        let clock = start;

        for (const action of actions) {
          const now = new Date(clock);
          if (action.kind === 'advanceClock') {
            clock += action.milliseconds;
            continue;
          }
          let command: AccountCommand;
          let check: (outcome: readonly AccountEvent[] | string) => void;

          switch (action.kind) {
            case 'grant': {
              command = {
                type: 'GrantCredits',
                data: {
                  grantId: `g${log.length}`,
                  credits: action.credits,
                  reason: 'test',
                  externalId: action.externalId ?? undefined,
                  now,
                },
              };
              const applies = auditor.grant(action.credits, action.externalId);
              check = (outcome) => assert.deepEqual(typesOf(outcome), applies ? ['CreditsGranted'] : []);
              break;
            }
            case 'reserve': {
              const reservationId = `r${ids.length}`;
              ids.push(reservationId);
              const credits = CREDITS_PER_TIER[action.tier];
              const kind: ReservationKind | null =
                auditor.freeUsed(day(clock)) < QUOTA ? 'free' : auditor.available() >= credits ? 'paid' : null;
              command = {
                type: 'ReserveCredits',
                data: {
                  reservationId,
                  tier: action.tier,
                  creditsPerTier: credits,
                  freeDailyQuota: QUOTA,
                  timeoutSeconds: TIMEOUT_SECONDS,
                  priceMicros: 80_000,
                  now,
                },
              };
              if (kind !== null) {
                auditor.reservations.set(reservationId, {
                  kind,
                  credits: kind === 'paid' ? credits : 0,
                  day: day(clock),
                  expiresAt: clock + TIMEOUT_SECONDS * 1000,
                  status: 'open',
                });
              }
              const expectedTypes = kind === 'free' ? ['CreditsReserved', 'QuotaConsumed'] : ['CreditsReserved'];
              check = (outcome) =>
                kind === null
                  ? assert.equal(outcome, 'insufficient_credits')
                  : assert.deepEqual(typesOf(outcome), expectedTypes);
              break;
            }
            case 'capture':
            case 'release': {
              const reservationId = pickId(ids, action.pick);
              command =
                action.kind === 'capture'
                  ? { type: 'CaptureReservation', data: { reservationId, costMicros: action.costMicros, now } }
                  : { type: 'ReleaseReservation', data: { reservationId, reason: 'failed', now } };
              const audited = auditor.reservations.get(reservationId);
              if (audited === undefined) {
                check = (outcome) => assert.equal(outcome, 'not_found');
              } else if (audited.status !== 'open') {
                // Settlements too old to be remembered are refused as unknown: refused all the same.
                check = (outcome) =>
                  assert.ok(
                    outcome === 'invalid_state' || outcome === 'not_found',
                    `settled twice: ${JSON.stringify(outcome)}`,
                  );
              } else if (audited.expiresAt <= clock) {
                check = (outcome) => assert.equal(outcome, 'invalid_state');
              } else {
                audited.status = action.kind === 'capture' ? 'captured' : 'released';
                const expectedType = action.kind === 'capture' ? 'ReservationCaptured' : 'ReservationReleased';
                check = (outcome) => assert.deepEqual(typesOf(outcome), [expectedType]);
              }
              break;
            }
            case 'expire': {
              command = { type: 'ExpireReservations', data: { now } };
              const expired = [...auditor.reservations.entries()].filter(
                ([, r]) => r.status === 'open' && r.expiresAt <= clock,
              );
              for (const [, r] of expired) r.status = 'released';
              const expiredIds = expired.map(([id]) => id).sort();
              check = (outcome) => {
                assert.deepEqual(
                  typesOf(outcome),
                  expiredIds.map(() => 'ReservationReleased'),
                );
                const releasedIds = (outcome as AccountEvent[]).flatMap((e) =>
                  e.type === 'ReservationReleased' ? [e.data.reservationId] : [],
                );
                assert.deepEqual(releasedIds.sort(), expiredIds);
              };
              break;
            }
            default: {
              const unhandled: never = action;
              throw new Error(`unhandled action ${JSON.stringify(unhandled)}`);
            }
          }

          const outcome = decideOrCode(command, state);
          check(outcome);
          if (typeof outcome !== 'string') {
            log.push(...outcome);
            state = outcome.reduce(accountDecider.evolve, state);
          }

          const status = creditStatus(state, now, QUOTA);
          // node:assert rather than expect: these run thousands of times per property run.
          const freeUsedToday = auditor.freeUsed(day(clock));
          assert.ok(status.paidCredits >= 0 && status.reservedCredits >= 0, 'a balance went negative');
          assert.ok(freeUsedToday <= QUOTA, 'more free images than the quota today');
          assert.equal(status.freeRemainingToday, QUOTA - freeUsedToday, 'free remaining today');
          assert.equal(status.paidCredits, auditor.available(), 'available paid credits');
          assert.equal(status.reservedCredits, auditor.paid('open'), 'reserved paid credits');
          assert.equal(state.capturedCredits, auditor.paid('captured'), 'captured paid credits');
          assert.equal(state.grantedCredits, auditor.totalGranted(), 'granted credits');
          assert.equal(
            state.availableCredits + state.reservedCredits + state.capturedCredits,
            state.grantedCredits,
            'grants = available + reserved + captured',
          );
        }

        const settlements = log.flatMap((e) =>
          e.type === 'ReservationCaptured' || e.type === 'ReservationReleased' ? [e.data.reservationId] : [],
        );
        expect(new Set(settlements).size).toBe(settlements.length);
        expect(log.reduce(accountDecider.evolve, accountDecider.initialState())).toEqual(state);
      }),
      { numRuns: 200 },
    );
  });
});
