import { accountDecider, type AccountEvent, type AccountState } from '../../billing/domain/account';
import { microsToDollars } from '../../billing/domain/money';
import type { RecordedEvent } from '../../event-store/event-types';

/** One line of a user's ledger: an account event and the balance it left. */
export interface LedgerLine {
  readonly at: string;
  readonly event: string;
  /** Change to the paid credits the user can spend; 0 when only a hold or a free unit moved. */
  readonly change: number;
  /** Paid credits available after the event. */
  readonly available: number;
  /** Paid credits held by open reservations after the event. */
  readonly held: number;
  readonly requestId: string | null;
  readonly detail: string;
}

export interface Ledger {
  readonly lines: readonly LedgerLine[];
  readonly state: AccountState;
}

/**
 * Folds the account stream with the account's own `evolve`, so the balance after each line is the
 * balance the service itself computes from the same events.
 */
export function ledgerOf(events: ReadonlyArray<RecordedEvent>): Ledger {
  let state = accountDecider.initialState();
  const lines: LedgerLine[] = [];
  for (const recorded of events) {
    const event = { type: recorded.type, data: recorded.data } as AccountEvent;
    const before = state.availableCredits;
    state = accountDecider.evolve(state, event);
    lines.push({
      at: recorded.recordedAt.toISOString(),
      event: event.type,
      change: state.availableCredits - before,
      available: state.availableCredits,
      held: state.reservedCredits,
      requestId: typeof recorded.metadata.requestId === 'string' ? recorded.metadata.requestId : null,
      detail: describe(event),
    });
  }
  return { lines, state };
}

function describe(event: AccountEvent): string {
  switch (event.type) {
    case 'CreditsGranted': {
      const { credits, reason, externalId } = event.data;
      return `granted ${credits} credit${credits === 1 ? '' : 's'}: ${reason}${externalId ? ` (${externalId})` : ''}`;
    }
    case 'CreditsReserved': {
      const { kind, credits, tier, generationId } = event.data;
      const what = kind === 'free' ? 'a free unit' : `${credits} credit${credits === 1 ? '' : 's'}`;
      return `held ${what} for ${tier}${generationId ? ` ${generationId}` : ''}`;
    }
    case 'ReservationHoldRaised': {
      const { addedMicros, heldMicros } = event.data;
      return `budget hold raised by $${microsToDollars(addedMicros)} to $${microsToDollars(heldMicros)} for another provider call`;
    }
    case 'QuotaConsumed':
      return `free unit ${event.data.usedToday} of ${event.data.day}`;
    case 'ReservationCaptured': {
      const { kind, credits, returnedCredits = 0, servedTier, costMicros, unknownMicros = 0 } = event.data;
      const what = kind === 'free' ? 'free unit' : `${credits} credit${credits === 1 ? '' : 's'}`;
      const served = servedTier ? ` (served by ${servedTier})` : '';
      const back = returnedCredits > 0 ? `, ${returnedCredits} returned` : '';
      return `charged ${what}${served}${back}; provider cost $${microsToDollars(costMicros)}${unknownSpend(unknownMicros)}`;
    }
    case 'ReservationReleased': {
      const { kind, credits, reason, billedMicros = 0, unknownMicros = 0 } = event.data;
      const what = kind === 'free' ? 'free unit' : `${credits} credit${credits === 1 ? '' : 's'}`;
      const billed = billedMicros > 0 ? `; provider cost $${microsToDollars(billedMicros)}` : '';
      return `returned ${what} (${reason})${billed}${unknownSpend(unknownMicros)}`;
    }
    case 'CheckoutStarted': {
      const { sessionId, packId, amountMicros, currency } = event.data;
      return `checkout ${sessionId} for pack ${packId} (${money(amountMicros, currency)})`;
    }
    case 'CreditsPurchased': {
      const { sessionId, credits, amountMicros, currency, debtCovered } = event.data;
      const debt = debtCovered > 0 ? `, ${debtCovered} paid the debt` : '';
      return `bought ${credits} credits for ${money(amountMicros, currency)} (${sessionId})${debt}`;
    }
    case 'CreditsPurchaseFailed':
      return `payment failed for ${event.data.sessionId}; nothing granted`;
    case 'CreditsTakenBack': {
      const { sessionId, cause, reference, credits, addedDebt } = event.data;
      const debt = addedDebt > 0 ? `, ${addedDebt} already spent became debt` : '';
      return `${cause} ${reference} of ${sessionId}: ${credits} credits taken back${debt}`;
    }
    case 'CreditsRestored': {
      const { sessionId, disputeId, credits, debtCovered } = event.data;
      const debt = debtCovered > 0 ? `, ${debtCovered} paid the debt` : '';
      return `dispute ${disputeId} of ${sessionId} won: ${credits} credits given back${debt}`;
    }
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled account event ${JSON.stringify(unreachable)}`);
    }
  }
}

function money(micros: number, currency: string): string {
  return `${microsToDollars(micros)} ${currency.toUpperCase()}`;
}

function unknownSpend(micros: number): string {
  return micros > 0 ? `; unknown outcome $${microsToDollars(micros)}` : '';
}
