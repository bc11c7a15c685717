import { randomBytes, randomUUID } from 'node:crypto';

/** Ids are injected too, so tests can make them predictable. */
export abstract class IdGenerator {
  abstract uuid(): string;
  /** A short, URL-safe, prefixed id such as `gen_3kTq...`. */
  abstract prefixed(prefix: string): string;
}

export class RandomIdGenerator extends IdGenerator {
  uuid(): string {
    return randomUUID();
  }

  prefixed(prefix: string): string {
    return `${prefix}_${randomBytes(12).toString('base64url')}`;
  }
}

export class SequentialIdGenerator extends IdGenerator {
  private next = 1;

  uuid(): string {
    const n = (this.next++).toString(16).padStart(12, '0');
    return `00000000-0000-4000-8000-${n}`;
  }

  prefixed(prefix: string): string {
    return `${prefix}_${String(this.next++).padStart(6, '0')}`;
  }
}
