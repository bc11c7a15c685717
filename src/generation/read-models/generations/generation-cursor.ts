import { parseIsoInstant } from '../../../common/iso-instant';

/** Where a page of a user's generations ends: the last row's creation time and id. */
export interface GenerationCursor {
  readonly createdAt: string;
  readonly id: string;
}

const GENERATION_ID = /^gen_[A-Za-z0-9_-]{1,64}$/;

export function encodeGenerationCursor(cursor: GenerationCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

/** The cursor, or undefined unless it is one this service could have issued (checked before any SQL sees it). */
export function decodeGenerationCursor(value: string): GenerationCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
  const [createdAt, id] = decoded as unknown[];
  if (typeof createdAt !== 'string' || typeof id !== 'string') return undefined;
  if (parseIsoInstant(createdAt) === undefined || !GENERATION_ID.test(id)) return undefined;
  return { createdAt, id };
}
