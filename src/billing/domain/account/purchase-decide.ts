import { DomainError } from '../../../common/domain-error';
import { assertWholeNumber } from '../money';
import type { CreditsTakenBack, PurchaseCommand, PurchaseEvent, RecordPaymentReversal } from './purchase-messages';
import { findPurchase, type PurchaseFields, type PurchaseRecord } from './purchase-state';

/**
 * Purchases are idempotent by session: a session is started once, granted once, failed once, and
 * a reversal only takes back the difference between what Stripe reports now and what was taken.
 */
export function decidePurchase(command: PurchaseCommand, state: PurchaseFields): readonly PurchaseEvent[] {
  switch (command.type) {
    case 'StartCheckout': {
      const { sessionId, packId, credits, amountMicros, currency, now } = command.data;
      assertWholeNumber('credits', credits, 1);
      assertWholeNumber('amountMicros', amountMicros, 1);
      if (findPurchase(state, sessionId)) return [];
      return [
        {
          type: 'CheckoutStarted',
          data: { sessionId, packId, credits, amountMicros, currency, startedAt: now.toISOString() },
        },
      ];
    }
    case 'RecordPurchase': {
      const { sessionId, paymentIntentId, now } = command.data;
      const record = recordOf(state, sessionId);
      if (record.status !== 'started') return [];
      const { packId, credits, amountMicros, currency } = record;
      const debtCovered = Math.min(state.debtCredits, credits);
      return [
        {
          type: 'CreditsPurchased',
          data: {
            sessionId,
            packId,
            credits,
            amountMicros,
            currency,
            paymentIntentId,
            debtCovered,
            purchasedAt: now.toISOString(),
          },
        },
      ];
    }
    case 'RecordPurchaseFailure': {
      const { sessionId, now } = command.data;
      if (recordOf(state, sessionId).status !== 'started') return [];
      return [{ type: 'CreditsPurchaseFailed', data: { sessionId, failedAt: now.toISOString() } }];
    }
    case 'RecordPaymentReversal':
      return reverse(command.data, state);
    default: {
      const unreachable: never = command;
      throw new Error(`Unhandled purchase command ${JSON.stringify(unreachable)}`);
    }
  }
}

function recordOf(state: PurchaseFields, sessionId: string): PurchaseRecord {
  const record = findPurchase(state, sessionId);
  if (!record) throw new DomainError('not_found', `No checkout ${sessionId} on this account`, { sessionId });
  return record;
}

/** Credits that `reversedMicros` of the price paid for, rounded up: the buyer never keeps a credit not paid for. */
export function creditsFor(record: Pick<PurchaseRecord, 'credits' | 'amountMicros'>, reversedMicros: number): number {
  const reversed = BigInt(Math.min(reversedMicros, record.amountMicros));
  const amount = BigInt(record.amountMicros);
  return Number((BigInt(record.credits) * reversed + amount - 1n) / amount);
}

/** The money reversed: the refunded total and every dispute not won, at most what was paid. */
function reversedMicros(refundedMicros: number, disputes: PurchaseRecord['disputes']): number {
  return refundedMicros + Object.values(disputes).reduce((sum, d) => (d.won ? sum : sum + d.amountMicros), 0);
}

function reverse(command: RecordPaymentReversal['data'], state: PurchaseFields): readonly PurchaseEvent[] {
  const { sessionId, reference, change, now } = command;
  const record = recordOf(state, sessionId);
  if (record.status === 'failed') return [];
  if (record.status === 'started') {
    // Delivered before the payment itself: refused, so Stripe delivers it again after the grant.
    throw new DomainError(
      'invalid_state',
      `Checkout ${sessionId} is not paid yet; its reversal waits for the payment`,
      {
        sessionId,
      },
    );
  }
  let refunded = record.refundedMicros;
  let amountMicros: number;
  let disputes = record.disputes;
  let dispute: CreditsTakenBack['data']['dispute'] = null;
  if (change.cause === 'refund') {
    assertWholeNumber('refundedMicros', change.refundedMicros, 0);
    if (change.refundedMicros <= refunded) return [];
    amountMicros = Math.min(change.refundedMicros, record.amountMicros) - Math.min(refunded, record.amountMicros);
    refunded = change.refundedMicros;
  } else {
    assertWholeNumber('amountMicros', change.amountMicros, 0);
    const known = Object.hasOwn(disputes, change.disputeId) ? disputes[change.disputeId] : undefined;
    const won = change.outcome === 'won';
    // A dispute is opened once and won at most once; a lost one stays taken back.
    if (known && (known.won || !won)) return [];
    // A dispute first seen as won took nothing back, so gives nothing back.
    amountMicros = known || !won ? change.amountMicros : 0;
    disputes = { ...disputes, [change.disputeId]: { amountMicros: change.amountMicros, won } };
    if (!won) dispute = { disputeId: change.disputeId, amountMicros: change.amountMicros };
  }
  const owed = creditsFor(record, reversedMicros(refunded, disputes)) - record.takenBack;
  const at = now.toISOString();
  if (change.cause === 'dispute' && change.outcome === 'won') {
    const credits = Math.max(0, -owed);
    const debtCovered = Math.min(state.debtCredits, credits);
    const { currency } = record;
    return [
      {
        type: 'CreditsRestored',
        data: { sessionId, disputeId: change.disputeId, amountMicros, currency, credits, debtCovered, at },
      },
    ];
  }
  const credits = Math.max(0, owed);
  const fromBalance = Math.min(state.availableCredits, credits);
  return [
    {
      type: 'CreditsTakenBack',
      data: {
        sessionId,
        cause: change.cause,
        reference,
        refundedMicros: refunded,
        dispute,
        amountMicros,
        currency: record.currency,
        credits,
        fromBalance,
        addedDebt: credits - fromBalance,
        at,
      },
    },
  ];
}
