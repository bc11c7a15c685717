import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError } from '../../common/domain-error';
import { accountDecider, type AccountCommand, type AccountEvent, type AccountState } from './account';
import { creditsFor } from './account/purchase-decide';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const PACKS = [
  { packId: '10', credits: 10, amountMicros: 5_000_000, currency: 'usd' },
  { packId: '3', credits: 3, amountMicros: 1_990_000, currency: 'usd' },
];
const SESSIONS = ['cs_a', 'cs_b'];

const session = fc.constantFrom(...SESSIONS);
const action = fc.oneof(
  fc.record({ kind: fc.constant('start' as const), session, pack: fc.constantFrom(...PACKS) }),
  fc.record({ kind: fc.constant('pay' as const), session }),
  fc.record({ kind: fc.constant('fail' as const), session }),
  fc.record({ kind: fc.constant('refund' as const), session, share: fc.integer({ min: 0, max: 100 }) }),
  fc.record({
    kind: fc.constant('dispute' as const),
    session,
    disputeId: fc.constantFrom('dp_1', 'dp_2'),
    share: fc.integer({ min: 1, max: 100 }),
    outcome: fc.constantFrom('open' as const, 'lost' as const, 'won' as const),
  }),
  fc.record({ kind: fc.constant('reserve' as const), credits: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('settle' as const), capture: fc.boolean() }),
  fc.record({ kind: fc.constant('grant' as const), credits: fc.integer({ min: 1, max: 5 }) }),
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

function amountOf(state: AccountState, sessionId: string): number {
  return Object.hasOwn(state.purchases, sessionId) ? state.purchases[sessionId].amountMicros : 5_000_000;
}

function commandFor(a: Action, state: AccountState, step: number): AccountCommand | undefined {
  const now = new Date(NOW.getTime() + step * 1000);
  switch (a.kind) {
    case 'start':
      return { type: 'StartCheckout', data: { sessionId: a.session, ...a.pack, now } };
    case 'pay':
      return { type: 'RecordPurchase', data: { sessionId: a.session, paymentIntentId: `pi_${a.session}`, now } };
    case 'fail':
      return { type: 'RecordPurchaseFailure', data: { sessionId: a.session, now } };
    case 'refund': {
      const refundedMicros = Math.floor((amountOf(state, a.session) * a.share) / 100);
      return {
        type: 'RecordPaymentReversal',
        data: { sessionId: a.session, reference: 'ch', change: { cause: 'refund', refundedMicros }, now },
      };
    }
    case 'dispute': {
      const amountMicros = Math.floor((amountOf(state, a.session) * a.share) / 100);
      const change = { cause: 'dispute' as const, disputeId: a.disputeId, amountMicros, outcome: a.outcome };
      return { type: 'RecordPaymentReversal', data: { sessionId: a.session, reference: a.disputeId, change, now } };
    }
    case 'reserve':
      return {
        type: 'ReserveCredits',
        data: {
          reservationId: `r${step}`,
          tier: 'premium',
          creditsPerTier: a.credits,
          freeDailyQuota: 0,
          timeoutSeconds: 3600,
          priceMicros: 1,
          now,
        },
      };
    case 'settle': {
      const open = state.openReservations[0];
      if (!open) return undefined;
      const { reservationId } = open;
      return a.capture
        ? { type: 'CaptureReservation', data: { reservationId, costMicros: 1, now } }
        : { type: 'ReleaseReservation', data: { reservationId, reason: 'failed', now } };
    }
    case 'grant':
      return { type: 'GrantCredits', data: { grantId: `g${step}`, credits: a.credits, reason: 'gift', now } };
  }
}

describe('account decider with purchases, refunds and disputes (property)', () => {
  it('never lets a balance or the debt go negative, and keeps every credit accounted for', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 20, maxLength: 80, size: 'max' }), (actions) => {
        let state = accountDecider.initialState();
        const log: AccountEvent[] = [];
        actions.forEach((a, step) => {
          const command = commandFor(a, state, step);
          if (!command) return;
          let events: readonly AccountEvent[];
          try {
            events = accountDecider.decide(command, state);
          } catch (error) {
            if (error instanceof DomainError) return;
            throw error;
          }
          log.push(...events);
          state = events.reduce(accountDecider.evolve, state);

          assert.ok(state.availableCredits >= 0, 'spendable credits went negative');
          assert.ok(state.reservedCredits >= 0, 'held credits went negative');
          assert.ok(state.debtCredits >= 0, 'debt went negative');
          assert.ok(state.debtCredits === 0 || state.availableCredits === 0, 'credits spendable while in debt');
          let bought = 0;
          let takenBack = 0;
          for (const record of Object.values(state.purchases)) {
            if (record.status === 'paid') bought += record.credits;
            takenBack += record.takenBack;
            const disputed = Object.values(record.disputes).reduce((s, d) => (d.won ? s : s + d.amountMicros), 0);
            assert.equal(
              record.takenBack,
              creditsFor(record, record.refundedMicros + disputed),
              'taken back in proportion',
            );
            assert.ok(record.takenBack <= record.credits, 'took back more than the pack');
          }
          assert.equal(
            state.availableCredits + state.reservedCredits + state.capturedCredits - state.debtCredits,
            state.grantedCredits + bought - takenBack,
            'credits in = spendable + held + spent - owed',
          );
        });
        expect(log.reduce(accountDecider.evolve, accountDecider.initialState())).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });
});
