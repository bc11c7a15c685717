import type { Message } from '../message';

// Credits bought through Stripe Checkout, and the money that goes back (refunds, disputes). Every
// amount is integer micro-units of the purchase's currency. A session is the purchase's id.

// ---- events -------------------------------------------------------------------------------

/** A Checkout Session was created for this account; the webhook resolves the pack from here. */
export type CheckoutStarted = Message<
  'CheckoutStarted',
  { sessionId: string; packId: string; credits: number; amountMicros: number; currency: string; startedAt: string }
>;

/**
 * The session was paid: the pack's credits are granted. `debtCovered` of them pay back what an
 * earlier refund could not take back (the account's debt); the rest become spendable.
 */
export type CreditsPurchased = Message<
  'CreditsPurchased',
  {
    sessionId: string;
    packId: string;
    credits: number;
    amountMicros: number;
    currency: string;
    paymentIntentId: string | null;
    debtCovered: number;
    purchasedAt: string;
  }
>;

/** The session's delayed payment failed: nothing is granted, ever, for this session. */
export type CreditsPurchaseFailed = Message<'CreditsPurchaseFailed', { sessionId: string; failedAt: string }>;

export type ReversalCause = 'refund' | 'dispute';

/**
 * Money of a purchase went back to the buyer: the credits it paid for are taken back in proportion
 * (rounded up). Spendable credits go first (`fromBalance`); what was already spent becomes debt
 * (`addedDebt`), never a negative balance. `refundedMicros` is the charge's refunded total after
 * this event; `dispute` the dispute this event records.
 */
export type CreditsTakenBack = Message<
  'CreditsTakenBack',
  {
    sessionId: string;
    cause: ReversalCause;
    reference: string;
    refundedMicros: number;
    dispute: { disputeId: string; amountMicros: number } | null;
    /** The money this event reverses (the refund's increase, or the dispute's amount). */
    amountMicros: number;
    currency: string;
    credits: number;
    fromBalance: number;
    addedDebt: number;
    at: string;
  }
>;

/** A dispute was won: what it took back is given back, paying the debt first. */
export type CreditsRestored = Message<
  'CreditsRestored',
  {
    sessionId: string;
    disputeId: string;
    /** The disputed money that came back. */
    amountMicros: number;
    currency: string;
    credits: number;
    debtCovered: number;
    at: string;
  }
>;

export type PurchaseEvent =
  | CheckoutStarted
  | CreditsPurchased
  | CreditsPurchaseFailed
  | CreditsTakenBack
  | CreditsRestored;

// ---- commands -----------------------------------------------------------------------------

export type StartCheckout = Message<
  'StartCheckout',
  { sessionId: string; packId: string; credits: number; amountMicros: number; currency: string; now: Date }
>;

/** The session was paid (Stripe says so, in a verified webhook). */
export type RecordPurchase = Message<
  'RecordPurchase',
  { sessionId: string; paymentIntentId: string | null; now: Date }
>;

export type RecordPurchaseFailure = Message<'RecordPurchaseFailure', { sessionId: string; now: Date }>;

/**
 * The charge's money as Stripe now reports it: `refundedMicros` the refunded total (cumulative, so
 * a repeated or late event changes nothing), or a dispute and its state.
 */
export type RecordPaymentReversal = Message<
  'RecordPaymentReversal',
  {
    sessionId: string;
    reference: string;
    change:
      | { cause: 'refund'; refundedMicros: number }
      | { cause: 'dispute'; disputeId: string; amountMicros: number; outcome: 'open' | 'lost' | 'won' };
    now: Date;
  }
>;

export type PurchaseCommand = StartCheckout | RecordPurchase | RecordPurchaseFailure | RecordPaymentReversal;
