import sharp from 'sharp';
import type { ProviderName } from './domain/image-provider';
import { ProviderCallError, parseRetryAfter, redact } from './provider-error';

const MIME_TYPES: Readonly<Record<string, string>> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };
const MAX_IMAGE_BYTES = 50 * 1024 * 1024;

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

/**
 * Provider image URLs expire (DALL-E's within an hour), so the bytes are fetched at once. A URL
 * exists only once the image was made: a failed download is a billed call.
 */
export async function downloadImage(
  url: string,
  signal: AbortSignal | undefined,
  provider: ProviderName,
  secrets: readonly (string | undefined)[],
): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    const reason =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new ProviderCallError(provider, 'transient', redact(`image download failed: ${reason}`, secrets), {
      outcome: 'billed',
    });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ProviderCallError(
      provider,
      // Whatever the status, the generation itself worked; a new attempt gets a new URL.
      'transient',
      redact(`image download from ${url} answered ${response.status}`, secrets),
      {
        outcome: 'billed',
        status: response.status,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
      },
    );
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_IMAGE_BYTES) {
    await response.body?.cancel();
    throw new ProviderCallError(
      provider,
      'transient',
      `image download is ${declared} bytes, over the ${MAX_IMAGE_BYTES} limit`,
      { outcome: 'billed' },
    );
  }
  try {
    return Buffer.from(await response.arrayBuffer());
  } catch (error) {
    if (signal?.aborted) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProviderCallError(provider, 'transient', redact(`image download broke off: ${reason}`, secrets), {
      outcome: 'billed',
    });
  }
}
