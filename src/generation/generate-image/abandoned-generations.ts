import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { EventStore } from '../../event-store/event-store';
import { ExpiryListeners } from '../../billing/expire-reservations/expiry-listeners';
import type { ExpiredReservation } from '../../billing/reservation';
import { generationStreamId, type GenerationEvent } from '../domain/generation-events';

/**
 * A generation whose process died between reservation and capture never records an outcome by
 * itself. When the expiry job releases its reservation, the generation is closed as failed so
 * that its history says what happened (and nothing was charged).
 */
@Injectable()
export class AbandonedGenerations implements OnModuleInit {
  constructor(
    private readonly expiry: ExpiryListeners,
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.expiry.add((expired) => this.close(expired));
  }

  async close(expired: readonly ExpiredReservation[]): Promise<void> {
    for (const { generationId, userId } of expired) {
      if (!generationId) continue;
      const streamId = generationStreamId(generationId);
      const events = await this.store.readStream(streamId);
      if (events.length !== 1 || events[0].type !== 'GenerationRequested') continue;
      const failed: GenerationEvent = {
        type: 'GenerationFailed',
        data: {
          generationId,
          userId,
          code: 'reservation_expired',
          message: 'The generation did not finish before its reservation timed out; nothing was charged',
          provider: null,
          failedAt: this.clock.now().toISOString(),
        },
      };
      await this.store
        .append(streamId, [failed], {
          expectedVersion: 1,
          metadata: { userId, actor: 'job:expire-reservations', correlationId: generationId },
        })
        .catch((error: { code?: string }) => {
          // The generation finished meanwhile: its own outcome stands.
          if (error.code !== 'concurrency_conflict') throw error;
        });
    }
  }
}
