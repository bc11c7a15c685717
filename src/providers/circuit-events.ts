import { Injectable, Logger, Optional } from '@nestjs/common';
import { Clock } from '../common/clock';
import { EventStore } from '../event-store/event-store';
import { handleCommand } from '../event-store/command-handler';
import type { ProviderName } from './domain/image-provider';
import { providerCircuitDecider, providerCircuitStreamId } from './domain/provider-circuit';

/**
 * Records a breaker's opening and closing on the provider's circuit stream (the alerts read it).
 * Called from the breaker's callbacks, it never throws: a failure to record is logged.
 */
@Injectable()
export class ProviderCircuitEvents {
  private readonly logger = new Logger('ProviderResilience');
  private recording: Promise<void> = Promise.resolve();

  /** Without an event store (the providers module on its own) changes are only logged. */
  constructor(
    @Optional() private readonly store?: EventStore,
    @Optional() private readonly clock?: Clock,
  ) {}

  /** Changes are recorded one after the other, in the order the breakers reported them. */
  record(provider: ProviderName, change: 'opened' | 'closed', consecutiveFailures: number): Promise<void> {
    const { store, clock } = this;
    if (!store || !clock) return this.recording;
    const command = {
      type: 'RecordCircuitChange' as const,
      data: { provider, change, consecutiveFailures, now: clock.now() },
    };
    this.recording = this.recording.then(async () => {
      try {
        await handleCommand(store, providerCircuitStreamId(provider), providerCircuitDecider, command, {
          metadata: { actor: 'system' },
          lockStream: true,
        });
      } catch (error) {
        this.logger.warn({ provider, change, message: (error as Error).message }, 'circuit change not recorded');
      }
    });
    return this.recording;
  }
}
