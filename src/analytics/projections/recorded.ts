import type { DomainEvent, RecordedEvent } from '../../event-store/event-types';

/** A recorded event per member of the union, so a switch on `type` narrows `data` too. */
export type Recorded<E> = E extends DomainEvent ? RecordedEvent<E> : never;
