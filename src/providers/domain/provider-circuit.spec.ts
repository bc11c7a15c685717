import { decider } from '../../../test/support/given-when-then';
import { providerCircuitDecider, type ProviderCircuitEvent } from './provider-circuit';

const circuit = decider(providerCircuitDecider);
const NOW = new Date('2026-11-20T12:00:00.000Z');
const change = (what: 'opened' | 'closed') => ({
  type: 'RecordCircuitChange' as const,
  data: { provider: 'openai' as const, change: what, consecutiveFailures: 5, now: NOW },
});
const opened: ProviderCircuitEvent = {
  type: 'ProviderCircuitOpened',
  data: { provider: 'openai', consecutiveFailures: 5, at: NOW.toISOString() },
};
const closed: ProviderCircuitEvent = {
  type: 'ProviderCircuitClosed',
  data: { provider: 'openai', at: NOW.toISOString() },
};

describe('provider circuit stream', () => {
  it('records an opening once however many replicas report it, and the closing that follows', () => {
    circuit.given([]).when(change('opened')).then([opened]);
    circuit.given([opened]).when(change('opened')).then([]);
    circuit.given([opened]).when(change('closed')).then([closed]);
    circuit.given([opened, closed]).when(change('closed')).then([]);
    circuit.given([]).when(change('closed')).then([]);
  });
});
