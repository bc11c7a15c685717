import type { PurchaseEvent } from './purchase-messages';

/** What the account remembers of one Checkout Session: enough to decide its webhooks again. */
export type PurchaseRecord = Readonly<{
  packId: string;
  credits: number;
  amountMicros: number;
  currency: string;
  status: 'started' | 'paid' | 'failed';
  /** The charge's refunded total. */
  refundedMicros: number;
  disputes: Readonly<Record<string, Readonly<{ amountMicros: number; won: boolean }>>>;
  /** Credits taken back so far (refunds and disputes not won). */
  takenBack: number;
}>;

/** The part of the account state that purchases change (AccountState has these fields). */
export type PurchaseFields = Readonly<{
  availableCredits: number;
  /**
   * Credits taken back by a refund or dispute after they were spent. Credits that come in (a grant,
   * a purchase, a returned hold) pay it first, so while it is above 0 no paid credit is spendable.
   */
  debtCredits: number;
  purchases: Readonly<Record<string, PurchaseRecord>>;
}>;

/** `credits` come into the account: the debt takes its share first, the rest becomes spendable. */
export function creditIn<S extends PurchaseFields>(state: S, credits: number): S {
  const covered = Math.min(state.debtCredits, credits);
  return {
    ...state,
    debtCredits: state.debtCredits - covered,
    availableCredits: state.availableCredits + credits - covered,
  };
}

export function findPurchase(state: PurchaseFields, sessionId: string): PurchaseRecord | undefined {
  return Object.hasOwn(state.purchases, sessionId) ? state.purchases[sessionId] : undefined;
}

function withPurchase<S extends PurchaseFields>(state: S, sessionId: string, record: PurchaseRecord): S {
  return { ...state, purchases: { ...state.purchases, [sessionId]: record } };
}

export function evolvePurchase<S extends PurchaseFields>(state: S, event: PurchaseEvent): S {
  switch (event.type) {
    case 'CheckoutStarted': {
      const { sessionId, packId, credits, amountMicros, currency } = event.data;
      return withPurchase(state, sessionId, {
        packId,
        credits,
        amountMicros,
        currency,
        status: 'started',
        refundedMicros: 0,
        disputes: {},
        takenBack: 0,
      });
    }
    case 'CreditsPurchased': {
      const { sessionId, credits, debtCovered } = event.data;
      const record = findPurchase(state, sessionId);
      const next = {
        ...state,
        debtCredits: state.debtCredits - debtCovered,
        availableCredits: state.availableCredits + credits - debtCovered,
      };
      return record ? withPurchase(next, sessionId, { ...record, status: 'paid' }) : next;
    }
    case 'CreditsPurchaseFailed': {
      const record = findPurchase(state, event.data.sessionId);
      return record ? withPurchase(state, event.data.sessionId, { ...record, status: 'failed' }) : state;
    }
    case 'CreditsTakenBack': {
      const { sessionId, refundedMicros, dispute, credits, fromBalance, addedDebt } = event.data;
      const next = {
        ...state,
        availableCredits: state.availableCredits - fromBalance,
        debtCredits: state.debtCredits + addedDebt,
      };
      const record = findPurchase(state, sessionId);
      if (!record) return next;
      const disputes = dispute
        ? { ...record.disputes, [dispute.disputeId]: { amountMicros: dispute.amountMicros, won: false } }
        : record.disputes;
      return withPurchase(next, sessionId, {
        ...record,
        refundedMicros,
        disputes,
        takenBack: record.takenBack + credits,
      });
    }
    case 'CreditsRestored': {
      const { sessionId, disputeId, credits, debtCovered } = event.data;
      const next = {
        ...state,
        debtCredits: state.debtCredits - debtCovered,
        availableCredits: state.availableCredits + credits - debtCovered,
      };
      const record = findPurchase(state, sessionId);
      if (!record) return next;
      const dispute = Object.hasOwn(record.disputes, disputeId) ? record.disputes[disputeId] : { amountMicros: 0 };
      return withPurchase(next, sessionId, {
        ...record,
        disputes: { ...record.disputes, [disputeId]: { amountMicros: dispute.amountMicros, won: true } },
        takenBack: record.takenBack - credits,
      });
    }
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled purchase event ${JSON.stringify(unreachable)}`);
    }
  }
}
