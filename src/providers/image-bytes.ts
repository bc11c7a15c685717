import sharp from 'sharp';
import type { ProviderName } from './domain/image-provider';
import { isLoopbackHost } from '../common/loopback';
import { ProviderCallError, parseRetryAfter, redact } from './provider-error';

const MIME_TYPES: Readonly<Record<string, string>> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };
/** The largest image a provider may hand over: a 4K PNG is a few tens of MB. */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface ImageFacts {
  readonly mimeType: string;
  readonly width: number;
  readonly height: number;
}

/**
 * Reads type and dimensions from the bytes themselves: a provider's reply is not trusted to
 * describe them, and bytes that do not decode are a failed call, not an image to store. The
 * provider answered, so the call is billed either way.
 */
export async function inspectImage(bytes: Buffer, provider: ProviderName): Promise<ImageFacts> {
  const png = pngHeader(bytes);
  if (png !== undefined) return png;
  const metadata = await sharp(bytes)
    .metadata()
    .catch(() => undefined);
  const mimeType = metadata?.format === undefined ? undefined : MIME_TYPES[metadata.format];
  if (metadata === undefined || mimeType === undefined || !metadata.width || !metadata.height) {
    throw new ProviderCallError(
      provider,
      'transient',
      `${provider} returned data that is not a PNG, JPEG or WebP image`,
      { outcome: 'billed' },
    );
  }
  return { mimeType, width: metadata.width, height: metadata.height };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A PNG's type and size from its first chunk, which the format requires to be IHDR (13 bytes:
 * width, height, ...): what libvips reads for the same answer, without a trip to its thread. Any
 * other bytes go to sharp.
 */
export function pngHeader(bytes: Buffer): ImageFacts | undefined {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  if (bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  return width > 0 && height > 0 ? { mimeType: 'image/png', width, height } : undefined;
}

/**
 * Provider image URLs expire (DALL-E's within an hour), so the bytes are fetched at once. A URL
 * exists only once the image was made: a failed download is a billed call.
 *
 * The URL is the provider's word, so it is not trusted further than needed: `https` only (plain
 * `http` to this machine alone, for the fakes in tests), redirects followed only within the
 * origin the provider named, and the body read as a stream that stops at `maxBytes` whatever
 * `Content-Length` says (a chunked body declares nothing), so memory stays bounded.
 */
export async function downloadImage(
  url: string,
  signal: AbortSignal | undefined,
  provider: ProviderName,
  secrets: readonly (string | undefined)[],
  maxBytes = MAX_IMAGE_BYTES,
): Promise<Buffer> {
  let target = allowedUrl(url, provider);
  const origin = target.origin;
  for (let redirects = 0; ; redirects += 1) {
    const response = await request(target, signal, provider, secrets);
    if (!REDIRECTS.has(response.status)) return readBody(response, target, signal, provider, secrets, maxBytes);
    await response.body?.cancel();
    const next = redirectTarget(response.headers.get('location'), target);
    if (next === undefined || next.origin !== origin) {
      throw new ProviderCallError(
        provider,
        'misconfigured',
        `image download from ${target.host} redirected to ${next?.host ?? 'an unreadable location'}, off the host the provider named`,
        { outcome: 'billed' },
      );
    }
    if (redirects >= MAX_REDIRECTS) {
      throw new ProviderCallError(provider, 'transient', `image download redirected more than ${MAX_REDIRECTS} times`, {
        outcome: 'billed',
      });
    }
    target = next;
  }
}

function allowedUrl(url: string, provider: ProviderName): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const loopbackHttp = parsed?.protocol === 'http:' && isLoopbackHost(parsed.hostname.replace(/^\[|\]$/g, ''));
  if (parsed === undefined || (parsed.protocol !== 'https:' && !loopbackHttp)) {
    throw new ProviderCallError(provider, 'misconfigured', `${provider} named an image URL that is not https`, {
      outcome: 'billed',
    });
  }
  return parsed;
}

function redirectTarget(location: string | null, base: URL): URL | undefined {
  if (!location) return undefined;
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

async function request(
  target: URL,
  signal: AbortSignal | undefined,
  provider: ProviderName,
  secrets: readonly (string | undefined)[],
): Promise<Response> {
  try {
    return await fetch(target, { signal, redirect: 'manual' });
  } catch (error) {
    if (signal?.aborted) throw error;
    const reason =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new ProviderCallError(provider, 'transient', redact(`image download failed: ${reason}`, secrets), {
      outcome: 'billed',
    });
  }
}

async function readBody(
  response: Response,
  target: URL,
  signal: AbortSignal | undefined,
  provider: ProviderName,
  secrets: readonly (string | undefined)[],
  maxBytes: number,
): Promise<Buffer> {
  if (!response.ok) {
    await response.body?.cancel();
    throw new ProviderCallError(
      provider,
      // Whatever the status, the generation itself worked; a new attempt gets a new URL.
      'transient',
      redact(`image download from ${target.href} answered ${response.status}`, secrets),
      {
        outcome: 'billed',
        status: response.status,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
      },
    );
  }
  const tooLarge = (size: string) =>
    new ProviderCallError(provider, 'rejected', `image download is ${size} bytes, over the ${maxBytes} limit`, {
      outcome: 'billed',
    });
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(String(declared));
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  try {
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
      size += chunk.value.byteLength;
      if (size > maxBytes) {
        await reader?.cancel();
        throw tooLarge(`more than ${maxBytes}`);
      }
      chunks.push(chunk.value);
    }
  } catch (error) {
    if (error instanceof ProviderCallError || signal?.aborted) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProviderCallError(provider, 'transient', redact(`image download broke off: ${reason}`, secrets), {
      outcome: 'billed',
    });
  }
  return Buffer.concat(chunks, size);
}
