import { decider } from '../../../test/support/given-when-then';
import { accountDecider, creditStatus, type AccountCommand, type AccountEvent } from './account';
import { creditsFor } from './account/purchase-decide';

const account = decider(accountDecider);
const NOON = new Date('2026-11-24T12:00:00.000Z');
const LATER = new Date('2026-11-25T08:00:00.000Z');
const PACK = { packId: '10', credits: 10, amountMicros: 5_000_000, currency: 'usd' };

const started = (sessionId = 'cs_1'): AccountEvent => ({
  type: 'CheckoutStarted',
  data: { sessionId, ...PACK, startedAt: NOON.toISOString() },
});
const purchased = (sessionId = 'cs_1', debtCovered = 0): AccountEvent => ({
  type: 'CreditsPurchased',
  data: { sessionId, ...PACK, paymentIntentId: 'pi_1', debtCovered, purchasedAt: NOON.toISOString() },
});
const recordPurchase = (sessionId = 'cs_1'): AccountCommand => ({
  type: 'RecordPurchase',
  data: { sessionId, paymentIntentId: 'pi_1', now: NOON },
});
const refund = (refundedMicros: number, now = LATER): AccountCommand => ({
  type: 'RecordPaymentReversal',
  data: { sessionId: 'cs_1', reference: 'ch_1', change: { cause: 'refund', refundedMicros }, now },
});
const dispute = (outcome: 'open' | 'lost' | 'won', amountMicros = 5_000_000): AccountCommand => ({
  type: 'RecordPaymentReversal',
  data: {
    sessionId: 'cs_1',
    reference: 'dp_1',
    change: { cause: 'dispute', disputeId: 'dp_1', amountMicros, outcome },
    now: LATER,
  },
});
const takenBack = (
  credits: number,
  fromBalance: number,
  refundedMicros: number,
  amountMicros: number,
  dispute: { disputeId: string; amountMicros: number } | null = null,
): AccountEvent => ({
  type: 'CreditsTakenBack',
  data: {
    sessionId: 'cs_1',
    cause: dispute ? 'dispute' : 'refund',
    reference: dispute ? 'dp_1' : 'ch_1',
    refundedMicros,
    dispute,
    amountMicros,
    currency: 'usd',
    credits,
    fromBalance,
    addedDebt: credits - fromBalance,
    at: LATER.toISOString(),
  },
});
/** A paid reservation of `credits`, captured: credits spent. */
const spent = (id: string, credits: number): AccountEvent[] => [
  {
    type: 'CreditsReserved',
    data: {
      reservationId: id,
      kind: 'paid',
      credits,
      tier: 'premium',
      day: '2026-11-24',
      reservedAt: NOON.toISOString(),
      expiresAt: '2026-11-24T12:02:00.000Z',
      generationId: null,
      priceMicros: 80_000,
    },
  },
  {
    type: 'ReservationCaptured',
    data: { reservationId: id, kind: 'paid', credits, costMicros: 80_000, capturedAt: NOON.toISOString() },
  },
];

describe('account decider: purchases', () => {
  it('records a started checkout once', () => {
    const start: AccountCommand = { type: 'StartCheckout', data: { sessionId: 'cs_1', ...PACK, now: NOON } };
    account.given([]).when(start).then([started()]);
    account.given([started()]).when(start).then([]);
  });

  it("grants the recorded pack's credits once, however often the payment is reported", () => {
    account.given([started()]).when(recordPurchase()).then([purchased()]);
    account.given([started(), purchased()]).when(recordPurchase()).then([]);
    expect(account.given([started(), purchased()]).state.availableCredits).toBe(10);
  });

  it('refuses a payment for a checkout this account never started', () => {
    account.given([]).when(recordPurchase('cs_other')).thenThrows('not_found');
  });

  it('records a failed payment and never grants the session afterwards', () => {
    const failure: AccountCommand = { type: 'RecordPurchaseFailure', data: { sessionId: 'cs_1', now: NOON } };
    const failed: AccountEvent = {
      type: 'CreditsPurchaseFailed',
      data: { sessionId: 'cs_1', failedAt: NOON.toISOString() },
    };
    account.given([started()]).when(failure).then([failed]);
    account.given([started(), failed]).when(recordPurchase()).then([]);
    account.given([started(), purchased()]).when(failure).then([]);
  });

  it('takes back a fully refunded unspent pack to zero', () => {
    const given = account.given([started(), purchased()]);
    given.when(refund(5_000_000)).then([takenBack(10, 10, 5_000_000, 5_000_000)]);
    const after = account.given([started(), purchased(), takenBack(10, 10, 5_000_000, 5_000_000)]).state;
    expect(after).toMatchObject({ availableCredits: 0, debtCredits: 0 });
  });

  it('takes back a partial refund in proportion, rounded up, and only the difference when refunded again', () => {
    account
      .given([started(), purchased()])
      .when(refund(1_250_000))
      .then([takenBack(3, 3, 1_250_000, 1_250_000)]);
    const partly = [started(), purchased(), takenBack(3, 3, 1_250_000, 1_250_000)];
    account.given(partly).when(refund(1_250_000)).then([]);
    account
      .given(partly)
      .when(refund(2_500_000))
      .then([takenBack(2, 2, 2_500_000, 1_250_000)]);
    expect(creditsFor(PACK, 1)).toBe(1);
    expect(creditsFor(PACK, 9_999_999)).toBe(10);
  });

  it('turns credits already spent into debt: the balance never goes negative and paid use is refused', () => {
    const history = [started(), purchased(), ...spent('r1', 7)];
    account
      .given(history)
      .when(refund(5_000_000))
      .then([takenBack(10, 3, 5_000_000, 5_000_000)]);
    const owing = [...history, takenBack(10, 3, 5_000_000, 5_000_000)];
    expect(account.given(owing).state).toMatchObject({ availableCredits: 0, debtCredits: 7 });
    const reserve: AccountCommand = {
      type: 'ReserveCredits',
      data: {
        reservationId: 'r2',
        tier: 'premium',
        creditsPerTier: 1,
        freeDailyQuota: 0,
        timeoutSeconds: 120,
        priceMicros: 1,
        now: LATER,
      },
    };
    account
      .given(owing)
      .when(reserve)
      .thenThrows('insufficient_credits', /7 credits owed/);
  });

  it('lets the free quota work while in debt', () => {
    const owing = [started(), purchased(), ...spent('r1', 7), takenBack(10, 3, 5_000_000, 5_000_000)];
    const reserve: AccountCommand = {
      type: 'ReserveCredits',
      data: {
        reservationId: 'r2',
        tier: 'premium',
        creditsPerTier: 1,
        freeDailyQuota: 3,
        timeoutSeconds: 120,
        priceMicros: 1,
        now: LATER,
      },
    };
    const decided = accountDecider.decide(reserve, account.given(owing).state);
    expect(decided[0]).toMatchObject({ type: 'CreditsReserved', data: { kind: 'free' } });
  });

  it('pays the debt first with credits that come in: a new purchase, a grant, a returned hold', () => {
    const owing = [started(), purchased(), ...spent('r1', 7), takenBack(10, 3, 5_000_000, 5_000_000)];
    const second = [...owing, started('cs_2')];
    account
      .given(second)
      .when(recordPurchase('cs_2'))
      .then([purchased('cs_2', 7)]);
    expect(account.given([...second, purchased('cs_2', 7)]).state).toMatchObject({
      availableCredits: 3,
      debtCredits: 0,
    });
    const grant: AccountEvent = {
      type: 'CreditsGranted',
      data: { grantId: 'g', credits: 5, reason: 'goodwill', externalId: null, grantedAt: LATER.toISOString() },
    };
    expect(account.given([...owing, grant]).state).toMatchObject({ availableCredits: 0, debtCredits: 2 });
  });

  it('takes back a dispute like a refund, and gives it back when the dispute is won', () => {
    const history = [started(), purchased(), ...spent('r1', 4)];
    const disputed = takenBack(10, 6, 0, 5_000_000, { disputeId: 'dp_1', amountMicros: 5_000_000 });
    account.given(history).when(dispute('open')).then([disputed]);
    account
      .given([...history, disputed])
      .when(dispute('open'))
      .then([]);
    account
      .given([...history, disputed])
      .when(dispute('lost'))
      .then([]);
    const restored: AccountEvent = {
      type: 'CreditsRestored',
      data: {
        sessionId: 'cs_1',
        disputeId: 'dp_1',
        amountMicros: 5_000_000,
        currency: 'usd',
        credits: 10,
        debtCovered: 4,
        at: LATER.toISOString(),
      },
    };
    account
      .given([...history, disputed])
      .when(dispute('won'))
      .then([restored]);
    const after = account.given([...history, disputed, restored]).state;
    expect(after).toMatchObject({ availableCredits: 6, debtCredits: 0 });
    account
      .given([...history, disputed, restored])
      .when(dispute('won'))
      .then([]);
    account
      .given([...history, disputed, restored])
      .when(dispute('open'))
      .then([]);
  });

  it('waits for the payment before a reversal, and ignores one of a failed session', () => {
    account.given([started()]).when(refund(5_000_000)).thenThrows('invalid_state');
    const failed: AccountEvent = {
      type: 'CreditsPurchaseFailed',
      data: { sessionId: 'cs_1', failedAt: NOON.toISOString() },
    };
    account.given([started(), failed]).when(refund(5_000_000)).then([]);
  });

  it('shows the spendable credits as 0 while in debt', () => {
    const owing = [started(), purchased(), ...spent('r1', 7), takenBack(10, 3, 5_000_000, 5_000_000)];
    expect(creditStatus(account.given(owing).state, LATER, 3).paidCredits).toBe(0);
  });
});
