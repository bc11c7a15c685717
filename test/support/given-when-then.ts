import { DomainError, type ErrorCode } from '../../src/common/domain-error';
import type { Decider } from '../../src/event-store/decider';
import type { DomainEvent } from '../../src/event-store/event-types';

export interface Given<Command, Event, State> {
  /** The state the given events fold to, for view functions. */
  readonly state: State;
  when(command: Command): Then<Event>;
}

export interface Then<Event> {
  then(expected: readonly Event[]): void;
  thenThrows(code: ErrorCode, message?: string | RegExp): void;
}

/**
 * Aggregate tests as plain data (STYLE.md rule 4):
 * `decider(account).given([...events]).when(command).then([...events])` or `.thenThrows('code')`.
 */
export function decider<State, Command, Event extends DomainEvent>(aggregate: Decider<State, Command, Event>) {
  return {
    given(events: readonly Event[]): Given<Command, Event, State> {
      const state = events.reduce((current, event) => aggregate.evolve(current, event), aggregate.initialState());
      return {
        state,
        when(command: Command): Then<Event> {
          return {
            then(expected) {
              expect(aggregate.decide(command, state)).toEqual(expected);
            },
            thenThrows(code, message) {
              let decided: readonly Event[] | undefined;
              try {
                decided = aggregate.decide(command, state);
              } catch (error) {
                expect(error).toBeInstanceOf(DomainError);
                expect((error as DomainError).code).toBe(code);
                if (message !== undefined) expect((error as DomainError).message).toMatch(message);
                return;
              }
              throw new Error(`Expected DomainError '${code}', but the command decided ${JSON.stringify(decided)}`);
            },
          };
        },
      };
    },
  };
}
