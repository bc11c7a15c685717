import type { Message } from '../../billing/domain/message';
import type { ProviderName } from './image-provider';

// A provider's circuit breaker as the service records it (one stream per provider): each replica
// keeps its own breaker in memory; the stream says when one of them opened after the provider had
// been healthy, and when one closed again, so operators are told once per outage.

export type ProviderCircuitOpened = Message<
  'ProviderCircuitOpened',
  { provider: ProviderName; consecutiveFailures: number; at: string }
>;
export type ProviderCircuitClosed = Message<'ProviderCircuitClosed', { provider: ProviderName; at: string }>;
export type ProviderCircuitEvent = ProviderCircuitOpened | ProviderCircuitClosed;

export type RecordCircuitChange = Message<
  'RecordCircuitChange',
  { provider: ProviderName; change: 'opened' | 'closed'; consecutiveFailures: number; now: Date }
>;

export type ProviderCircuitState = Readonly<{ open: boolean }>;

export function providerCircuitStreamId(provider: ProviderName): string {
  return `provider-circuit-${provider}`;
}

export const providerCircuitDecider = {
  initialState: (): ProviderCircuitState => ({ open: false }),
  evolve(state: ProviderCircuitState, event: ProviderCircuitEvent): ProviderCircuitState {
    switch (event.type) {
      case 'ProviderCircuitOpened':
        return { open: true };
      case 'ProviderCircuitClosed':
        return { open: false };
      default: {
        const unreachable: never = event;
        throw new Error(`Unhandled circuit event ${JSON.stringify(unreachable)}`);
      }
    }
  },
  decide(command: RecordCircuitChange, state: ProviderCircuitState): readonly ProviderCircuitEvent[] {
    const { provider, change, consecutiveFailures, now } = command.data;
    const at = now.toISOString();
    if (change === 'opened') {
      return state.open ? [] : [{ type: 'ProviderCircuitOpened', data: { provider, consecutiveFailures, at } }];
    }
    return state.open ? [{ type: 'ProviderCircuitClosed', data: { provider, at } }] : [];
  },
};
