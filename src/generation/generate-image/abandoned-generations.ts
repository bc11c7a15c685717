import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { EventStore } from '../../event-store/event-store';
import { ExpiryListeners } from '../../billing/expire-reservations/expiry-listeners';
import type { ExpiredReservation } from '../../billing/reservation';
import { handleGenerationCommand } from '../generation-stream';

/**
 * A generation whose process died between reservation and capture never records an outcome by
 * itself. When the expiry job releases its reservation, the generation is closed as failed so
 * that its history says what happened (and nothing was charged). One that finished meanwhile
 * keeps its own outcome (the decider records nothing on a generation no longer pending).
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
      await handleGenerationCommand(
        this.store,
        {
          type: 'FailGeneration',
          data: {
            generationId,
            userId,
            code: 'reservation_expired',
            message: 'The generation did not finish before its reservation timed out; nothing was charged',
            provider: null,
            failedAt: this.clock.now().toISOString(),
          },
        },
        { metadata: { userId, actor: 'job:expire-reservations', correlationId: generationId } },
      );
    }
  }
}
