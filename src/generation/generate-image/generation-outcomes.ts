import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DomainError } from '../../common/domain-error';
import { Database, type Sql } from '../../database/database';
import { EventStore } from '../../event-store/event-store';
import type { EventMetadata } from '../../event-store/event-types';
import type { ProviderSpend, ReservationRef } from '../../billing/reservation';
import {
  CaptureReservation,
  ReleaseReservation,
  SettleLateCost,
} from '../../billing/settle-reservation/settle-reservation.commands';
import type { GenerationFailed, GenerationRequested } from '../domain/generation-events';
import type { CompleteGeneration } from '../domain/generation';
import { handleGenerationCommand } from '../generation-stream';
import { generationsProjection } from '../read-models/generations/generations.projection';
import type { GenerationRow } from '../read-models/generations/generation-view';

export type Delivered = Omit<CompleteGeneration['data'], 'reservationExpired'>;

/** A statement to run in the transaction that settles a success, so it commits with the capture. */
export type WithCapture = (tx: Sql, generationId: string) => Promise<void>;

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

  constructor(
    private readonly store: EventStore,
    private readonly database: Database,
    private readonly commandBus: CommandBus,
  ) {}

  /** A generation id is fresh when it is requested: its stream starts here (nothing to read). */
  async request(data: GenerationRequested['data'], metadata: EventMetadata): Promise<void> {
    await handleGenerationCommand(this.store, { type: 'RequestGeneration', data }, { metadata, newStream: true });
  }

  /**
   * GenerationSucceeded and the capture. `spend` is what the generation's provider calls cost
   * (every billed attempt, Premium's before a fallback included, and the price of those of unknown
   * outcome); the user is charged the credits of the tier that served. `withCapture` runs in the
   * same transaction (the idempotent answer), so nothing after the commit can lose the success.
   * If the expiry job got there first, it released the reservation (invalid_state on capture) and
   * may have closed the generation as failed (a concurrency conflict): the image is then the
   * user's for nothing, and the provider's bill still counts against the month. Answers with the
   * finished row (as the inline projection wrote it).
   */
  async complete(
    reservation: ReservationRef,
    delivered: Delivered,
    spend: ProviderSpend,
    metadata: EventMetadata,
    withCapture?: WithCapture,
  ): Promise<GenerationRow | undefined> {
    let reservationExpired = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.database.transaction((tx) =>
          this.completeIn(tx, reservation, { ...delivered, reservationExpired }, spend, metadata, withCapture),
        );
      } catch (error) {
        if (attempt >= SETTLE_ATTEMPTS || !isCode(error, 'invalid_state', 'concurrency_conflict')) throw error;
        reservationExpired = true;
      }
    }
  }

  private async completeIn(
    tx: Sql,
    reservation: ReservationRef,
    data: CompleteGeneration['data'],
    spend: ProviderSpend,
    metadata: EventMetadata,
    withCapture: WithCapture | undefined,
  ): Promise<GenerationRow | undefined> {
    const { newEvents, projected } = await handleGenerationCommand(
      this.store,
      { type: 'CompleteGeneration', data },
      { tx, metadata },
    );
    // The settlement last but for the caller's statement: it updates the month's budget row, which
    // every generation shares and this transaction then holds until its commit.
    const late = newEvents.some((event) => event.type === 'GenerationSucceeded' && event.data.charge === 'none');
    await this.commandBus.execute(
      late
        ? new SettleLateCost(reservation, spend.billedMicros, metadata, tx)
        : new CaptureReservation(reservation, spend.billedMicros, metadata, tx, {
            unknownMicros: spend.unknownMicros,
            servedTier: data.tier,
          }),
    );
    await withCapture?.(tx, data.generationId);
    return projected.get(generationsProjection.name) as GenerationRow | undefined;
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
    spent: ProviderSpend,
    metadata: EventMetadata,
  ): Promise<void> {
    try {
      await this.database.transaction(async (tx) => {
        const { state } = await handleGenerationCommand(this.store, { type: 'FailGeneration', data }, { tx, metadata });
        try {
          await this.commandBus.execute(new ReleaseReservation(reservation, metadata, tx, spent));
        } catch (releaseError) {
          if (!isCode(releaseError, 'invalid_state')) throw releaseError;
          if (state.status !== 'succeeded' && spent.billedMicros > 0) {
            await this.commandBus.execute(new SettleLateCost(reservation, spent.billedMicros, metadata, tx));
          }
        }
      });
    } catch (error) {
      // The reservation times out and the job releases it: the user is made whole either way.
      this.logger.error(
        { generationId: data.generationId, message: (error as Error).message },
        'releasing a failed generation failed',
      );
    }
  }
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof DomainError && codes.includes(error.code);
}
