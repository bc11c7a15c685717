import { DomainError } from '../../common/domain-error';

export interface StoredMedia {
  /** Where clients fetch it: a Cloudinary `secure_url`, or `${PUBLIC_BASE_URL}/media/<key>`. */
  readonly url: string;
  /** The storage's own name for it (Cloudinary public id, or the key on disk). */
  readonly publicId: string;
  readonly width?: number;
  readonly height?: number;
  /** Size in bytes. */
  readonly bytes: number;
  readonly mimeType: string;
}

export interface ImageDimensions {
  readonly width: number;
  readonly height: number;
}

export interface MediaObject {
  readonly bytes: Buffer;
  readonly mimeType: string;
}

/**
 * Where generated images and print assets live. Keys are relative paths with an extension, such
 * as `generations/gen_abc.png` or `prints/gen_abc/72x36.jpg`; the same key always names the
 * same content, so writing it again (a retry) replaces rather than duplicates.
 */
export abstract class MediaStorage {
  /**
   * `dimensions`: what the caller already read from the bytes (a provider's image is inspected
   * before it is stored), so a storage that reports dimensions need not decode the header again.
   */
  abstract put(key: string, bytes: Buffer, mimeType: string, dimensions?: ImageDimensions): Promise<StoredMedia>;
  abstract get(key: string): Promise<MediaObject | null>;
  abstract exists(key: string): Promise<boolean>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  pdf: 'application/pdf',
};

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const MAX_KEY_LENGTH = 512;

/**
 * Accepts only keys made of `[A-Za-z0-9._-]` segments joined by `/`, none empty or starting with
 * a dot, with a known extension: no `..`, no absolute or Windows paths, no NUL, no percent
 * escapes, no hidden files. Returns the content type the extension stands for.
 */
export function checkMediaKey(key: string): string {
  const segments = key.split('/');
  const extension = /\.([A-Za-z0-9]+)$/.exec(key)?.[1]?.toLowerCase();
  const contentType = extension === undefined ? undefined : CONTENT_TYPES[extension];
  if (
    key.length === 0 ||
    key.length > MAX_KEY_LENGTH ||
    !segments.every((s) => SEGMENT.test(s)) ||
    contentType === undefined
  ) {
    throw new DomainError('validation_failed', 'Invalid media key', { key: key.slice(0, 100) });
  }
  return contentType;
}

/** The content type for a key, checked against the one the caller says it is writing. */
export function contentTypeForPut(key: string, mimeType: string): string {
  const contentType = checkMediaKey(key);
  if (contentType !== mimeType.toLowerCase()) {
    throw new DomainError('validation_failed', `Media key ${key} is for ${contentType}, not ${mimeType}`, { key });
  }
  return contentType;
}
