import { DomainError } from '../common/domain-error';

/** An event as a decider produces it: plain readonly data tagged with its type. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/** Who caused an event and in which request (DESIGN.md: every event says so). */
export interface EventMetadata {
  readonly userId?: string;
  readonly actor?: string;
  readonly requestId?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly [key: string]: unknown;
}

export interface RecordedEvent<E extends DomainEvent = DomainEvent> {
  readonly globalPosition: number;
  readonly transactionId: string;
  readonly streamId: string;
  readonly streamPosition: number;
  readonly type: E['type'];
  readonly schemaVersion: number;
  readonly data: E['data'];
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
}

/** A number (the stream's current version), `no_stream` (must not exist yet) or `any`. */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface AppendResult {
  readonly nextExpectedVersion: number;
  readonly globalPositions: readonly number[];
  /**
   * What inline projections answered, by projection name, when the append ran in the caller's
   * transaction (a command reads what its own events wrote without another round trip).
   */
  readonly projected: ReadonlyMap<string, unknown>;
}

/** A position in the global order that async readers follow: (transaction id, global position). */
export interface Checkpoint {
  readonly transactionId: string;
  readonly globalPosition: number;
}

export const START: Checkpoint = { transactionId: '0', globalPosition: 0 };

export class ConcurrencyError extends DomainError {
  constructor(streamId: string, expected: ExpectedVersion, actual?: number) {
    super(
      'concurrency_conflict',
      `Stream ${streamId} was changed concurrently (expected version ${expected}${actual === undefined ? '' : `, found ${actual}`})`,
      { streamId },
    );
  }
}
