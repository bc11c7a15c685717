import { randomBytes, randomUUID } from 'node:crypto';

/** Ids are injected like the clock (STYLE.md rule 3): nothing reaches for randomness on its own. */
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
