import { Injectable, Logger } from '@nestjs/common';
import type { CreditStatusRow } from '../../billing/read-models/account-balances/credit-status.reads';
import { CommandBus } from '@nestjs/cqrs';
import { DomainError } from '../../common/domain-error';
import { Database, type Sql } from '../../database/database';
import { EventStore } from '../../event-store/event-store';
import { RememberedStreams, type KnownStream } from '../../event-store/remembered-streams';
import type { EventMetadata } from '../../event-store/event-types';
import type { ProviderSpend, ReservationRef } from '../../billing/reservation';
import {
  CaptureReservation,
  ReleaseReservation,
  SettleLateCost,
} from '../../billing/settle-reservation/settle-reservation.commands';
import { RaiseReservationHold } from '../../billing/raise-hold/raise-reservation-hold.command';
import type { GenerationFailed, GenerationRequested, ProviderCallStarted } from '../domain/generation-events';
import type { CompleteGeneration, GenerationState } from '../domain/generation';
import { handleGenerationCommand } from '../generation-stream';
import { generationsProjection } from '../read-models/generations/generations.projection';
import type { GenerationRow } from '../read-models/generations/generation-view';

export type Delivered = Omit<CompleteGeneration['data'], 'reservationExpired'>;

/**
 * What a generation's provider calls cost (billed, and unknown at price), and what its
 * reservation held in the month's budget for them (the price reserved, and every raise). A
 * reservation the expiry job released counted its hold as unknown spend: a late settlement takes
 * off what the calls' outcomes explain. Without `heldMicros` nothing is taken off.
 */
export type CallSpend = ProviderSpend & { readonly heldMicros?: number };

/** A statement to run in the transaction that settles a success, so it commits with the capture. */
export type WithCapture = (tx: Sql, generationId: string) => Promise<void>;

/**
 * A completed generation as its commit left it: the row the inline projection wrote, and the
 * user's balance as the capture's statement returned it (absent when nothing was captured: a late
 * image).
 */
export interface Completed {
  readonly row?: GenerationRow;
  readonly balance?: CreditStatusRow;
}

/** Settling after the expiry job: at most the job's one concurrent write, so a few attempts do. */
const SETTLE_ATTEMPTS = 4;

/**
 * What a generation records on its stream, each through the event store's command pipeline, and
 * the reservation settled in the same transaction as the outcome: a failed request charges
 * nothing and a succeeded one is charged exactly once.
 */
@Injectable()
export class GenerationOutcomes {
  private readonly logger = new Logger('generation');
  /** Each generation's stream as this process last appended to it: its next command reads nothing. */
  private readonly known = new RememberedStreams<GenerationState>();

  constructor(
    private readonly store: EventStore,
    private readonly database: Database,
    private readonly commandBus: CommandBus,
  ) {}

  /**
   * A generation id is fresh when it is requested: its stream starts here (nothing to read). In
   * `tx` when given (the reservation's), else through the group commit.
   */
  async request(data: GenerationRequested['data'], metadata: EventMetadata, tx?: Sql): Promise<void> {
    const { state, version } = await handleGenerationCommand(
      this.store,
      { type: 'RequestGeneration', data },
      { metadata, newStream: true, tx },
    );
    this.known.remember(data.generationId, { state, version });
  }

  /**
   * ProviderCallStarted, before a call after the generation's first; `addedMicros` (when the
   * earlier calls may have used the hold up) raises the reservation's hold in the same
   * transaction, within the hard cap, or refuses the call with budget_exhausted.
   */
  async startCall(
    reservation: ReservationRef,
    data: ProviderCallStarted['data'],
    addedMicros: number,
    metadata: EventMetadata,
  ): Promise<void> {
    const known = this.known.take(data.generationId);
    const started = await this.database.transaction(async (tx) => {
      const { state, version } = await handleGenerationCommand(
        this.store,
        { type: 'StartProviderCall', data },
        { tx, metadata, known },
      );
      if (addedMicros > 0) {
        await this.commandBus.execute(new RaiseReservationHold(reservation, addedMicros, metadata, tx));
      }
      return { state, version };
    });
    this.known.remember(data.generationId, started);
  }

  /**
   * GenerationSucceeded and the capture. `spend` is what the generation's provider calls cost
   * (every billed attempt, Premium's before a fallback included, and the price of those of unknown
   * outcome); the user is charged the credits of the tier that served. `withCapture` runs in the
   * same transaction (the idempotent answer), so nothing after the commit can lose the success.
   * If the expiry job got there first, it released the reservation (invalid_state on capture) and
   * may have closed the generation as failed (a concurrency conflict): the image is then the
   * user's for nothing, and the provider's bill still counts against the month. Answers with the
   * finished row (as the inline projection wrote it) and the balance the capture left.
   */
  async complete(
    reservation: ReservationRef,
    delivered: Delivered,
    spend: CallSpend,
    metadata: EventMetadata,
    withCapture?: WithCapture,
  ): Promise<Completed> {
    let reservationExpired = false;
    for (let attempt = 1; ; attempt++) {
      const known = this.known.take(delivered.generationId);
      try {
        return await this.database.transaction((tx) =>
          this.completeIn(tx, reservation, { ...delivered, reservationExpired }, spend, metadata, withCapture, known),
        );
      } catch (error) {
        if (attempt >= SETTLE_ATTEMPTS || !isCode(error, 'invalid_state', 'concurrency_conflict')) throw error;
        // A conflict is another append to the stream (the expiry job closing it as failed, which
        // the decider then reads, or a call's start the deadline cut off): decided again as it is.
        if (isCode(error, 'invalid_state')) reservationExpired = true;
      }
    }
  }

  private async completeIn(
    tx: Sql,
    reservation: ReservationRef,
    data: CompleteGeneration['data'],
    spend: CallSpend,
    metadata: EventMetadata,
    withCapture: WithCapture | undefined,
    known: KnownStream<GenerationState> | undefined,
  ): Promise<Completed> {
    const { newEvents, projected } = await handleGenerationCommand(
      this.store,
      { type: 'CompleteGeneration', data },
      { tx, metadata, known },
    );
    await withCapture?.(tx, data.generationId);
    // The settlement last: it updates the month's budget row, which every generation shares and
    // this transaction then holds until its commit.
    const row = projected.get(generationsProjection.name) as GenerationRow | undefined;
    const late = newEvents.some((event) => event.type === 'GenerationSucceeded' && event.data.charge === 'none');
    if (late) {
      await this.commandBus.execute(
        new SettleLateCost(reservation, spend.billedMicros, metadata, tx, resolvedUnknown(spend)),
      );
      return { row };
    }
    const balance = await this.commandBus.execute(
      new CaptureReservation(reservation, spend.billedMicros, metadata, tx, {
        unknownMicros: spend.unknownMicros,
        servedTier: data.tier,
      }),
    );
    return { row, balance };
  }

  /**
   * GenerationFailed and the release: the user is charged nothing, and `spent` (what the failed
   * generation's provider calls cost anyway: an image billed but not stored, attempts of unknown
   * outcome) goes to the month's budget with the release. A reservation the expiry job released
   * holds nothing any more; what was billed is then counted as a late cost, unless the generation
   * had succeeded (its capture counted it).
   */
  async fail(
    reservation: ReservationRef,
    data: GenerationFailed['data'],
    spent: CallSpend,
    metadata: EventMetadata,
  ): Promise<void> {
    try {
      await this.recordFailure(reservation, data, spent, metadata);
    } catch (error) {
      // The reservation times out and the job releases it: the user is made whole either way.
      this.logger.error(
        { generationId: data.generationId, message: (error as Error).message },
        'releasing a failed generation failed',
      );
    }
  }

  /**
   * Tried again on a concurrency conflict: a call's start that the deadline cut off may still append
   * to the stream while the failure is recorded.
   */
  private async recordFailure(
    reservation: ReservationRef,
    data: GenerationFailed['data'],
    spent: CallSpend,
    metadata: EventMetadata,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const known = this.known.take(data.generationId);
      try {
        await this.database.transaction(async (tx) => {
          const { state } = await handleGenerationCommand(
            this.store,
            { type: 'FailGeneration', data },
            { tx, metadata, known },
          );
          try {
            await this.commandBus.execute(new ReleaseReservation(reservation, metadata, tx, spentOnly(spent)));
          } catch (releaseError) {
            if (!isCode(releaseError, 'invalid_state')) throw releaseError;
            const resolved = resolvedUnknown(spent);
            if (state.status !== 'succeeded' && (spent.billedMicros > 0 || resolved > 0)) {
              await this.commandBus.execute(
                new SettleLateCost(reservation, spent.billedMicros, metadata, tx, resolved),
              );
            }
          }
        });
        return;
      } catch (error) {
        if (attempt >= SETTLE_ATTEMPTS || !isCode(error, 'concurrency_conflict')) throw error;
      }
    }
  }
}

function spentOnly({ billedMicros, unknownMicros }: CallSpend): ProviderSpend {
  return { billedMicros, unknownMicros };
}

/** The part of an expired reservation's hold (counted as unknown by the expiry) the calls' outcomes explain. */
function resolvedUnknown(spend: CallSpend): number {
  return spend.heldMicros === undefined ? 0 : Math.max(0, spend.heldMicros - spend.unknownMicros);
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof DomainError && codes.includes(error.code);
}
