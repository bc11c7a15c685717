import type { EventMetadata } from '../../event-store/event-types';
import type { ReservationRef } from '../../billing/reservation';
import { exposureMicros, type PlannedAttempt, type ProviderAttempt } from '../../providers/domain/provider-call';
import type { RouteHooks } from '../../providers/provider-router';
import type { GenerationOutcomes } from './generation-outcomes';

/**
 * What one generation's provider calls may spend of the month's budget: the reservation's price
 * for the first call, raised before any later call the earlier ones may have used it up for (a
 * retry after a call of unknown outcome, the fallback to another provider). The raise is refused
 * at the hard cap, and then the call is not made, so billed + unknown + held spend never passes
 * it. Every call after the first is recorded (ProviderCallStarted) before it starts; the first is
 * on GenerationRequested.
 */
export class CallHold implements RouteHooks {
  private held: number;
  /** The hook before, settled or not: the next one starts after it. */
  private previous: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly outcomes: GenerationOutcomes,
    private readonly reservation: ReservationRef & { readonly priceMicros: number },
    private readonly generationId: string,
    private readonly metadata: EventMetadata,
    private readonly now: () => Date,
  ) {
    this.held = reservation.priceMicros;
  }

  /** What the reservation holds now: its price and every raise. */
  get heldMicros(): number {
    return this.held;
  }

  /**
   * One hook at a time: an attempt whose timeout fired while its hook was recording leaves that
   * hook running, and the retry's hook waits for it (the stream's next position, the hold it left).
   */
  readonly beforeAttempt = (planned: PlannedAttempt, earlier: readonly ProviderAttempt[]): Promise<void> => {
    const run = this.previous.then(() => this.start(planned, earlier));
    this.previous = run.catch(() => undefined);
    return run;
  };

  private async start(planned: PlannedAttempt, earlier: readonly ProviderAttempt[]): Promise<void> {
    const needed = exposureMicros(earlier) + planned.priceMicros;
    if (planned.attempt === 1 && needed <= this.held) return;
    const addedMicros = Math.max(0, needed - this.held);
    await this.outcomes.startCall(
      this.reservation,
      {
        generationId: this.generationId,
        provider: planned.provider,
        model: planned.model,
        tier: planned.tier,
        attempt: planned.attempt,
        priceMicros: planned.priceMicros,
        heldMicros: this.held + addedMicros,
        startedAt: this.now().toISOString(),
      },
      addedMicros,
      this.metadata,
    );
    this.held += addedMicros;
  }
}
