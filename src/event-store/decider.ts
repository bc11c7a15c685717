import type { DomainEvent } from './event-types';

/**
 * Emmett's decider: pure functions over a stream (STYLE.md rule 1). Every aggregate in
 * src/<module>/domain exports one; the command pipeline and the given/when/then specs take it.
 */
export interface Decider<State, Command, Event extends DomainEvent> {
  decide(command: Command, state: State): readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}
