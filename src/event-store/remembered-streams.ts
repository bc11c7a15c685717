/** A stream's state and version as this process's last append to it left them. */
export interface KnownStream<State> {
  readonly state: State;
  readonly version: number;
}

/**
 * The streams this process is working on, remembered between its commands so that the next
 * command decides without reading the stream again (`HandleOptions.known`). The append still
 * expects the remembered version: a stream changed meanwhile elsewhere fails as a conflict, and
 * the attempt after it reads. Bounded: the oldest go first once `limit` are remembered.
 */
export class RememberedStreams<State> {
  private readonly streams = new Map<string, KnownStream<State>>();

  constructor(private readonly limit = 10_000) {}

  remember(id: string, stream: KnownStream<State>): void {
    this.streams.delete(id);
    this.streams.set(id, stream);
    if (this.streams.size > this.limit) this.streams.delete(this.streams.keys().next().value as string);
  }

  /** The remembered stream, once: an attempt after a failed one reads the stream. */
  take(id: string): KnownStream<State> | undefined {
    const stream = this.streams.get(id);
    this.streams.delete(id);
    return stream;
  }

  get size(): number {
    return this.streams.size;
  }
}
