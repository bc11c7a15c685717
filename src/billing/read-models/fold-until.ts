import type { DomainEvent } from '../../event-store/event-types';

/** A stream's state from its events up to some instant (read with `until`), for "as it was then" views. */
export function foldUntil<S, E extends DomainEvent>(
  events: ReadonlyArray<{ type: string; data: unknown }>,
  decider: { evolve(s: S, e: E): S; initialState(): S },
): S {
  return events.reduce(
    (state, event) => decider.evolve(state, { type: event.type, data: event.data } as E),
    decider.initialState(),
  );
}
