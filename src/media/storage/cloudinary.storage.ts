import type { ConfigOptions, UploadApiErrorResponse, UploadApiResponse, v2 as CloudinaryApi } from 'cloudinary';
import { redact } from '../../providers/provider-error';
import { MediaStorage, checkMediaKey, contentTypeForPut, type MediaObject, type StoredMedia } from './media-storage';

/** Print files run to tens of megabytes; the SDK's 60 s default is tight for them. */
const UPLOAD_TIMEOUT_MS = 180_000;
const DOWNLOAD_TIMEOUT_MS = 60_000;

interface Placement {
  readonly resourceType: 'image' | 'raw';
  readonly publicId: string;
  readonly format: string | undefined;
}

/**
 * Cloudinary through its official SDK, configured only by CLOUDINARY_URL.
 *
 * Images are `image` resources whose public id is the key without its extension (Cloudinary
 * appends the format on delivery). PDFs are `raw` resources whose public id is the whole key:
 * they are delivered byte for byte, nothing about them needs Cloudinary's image pipeline, and
 * raw delivery is not subject to the "PDF delivery" restriction new accounts start with. A
 * deterministic public id with `overwrite` makes a retried upload replace, never duplicate.
 */
export class CloudinaryStorage extends MediaStorage {
  private readonly cloudinary: typeof CloudinaryApi;
  /** Set when `upload_prefix` points somewhere other than Cloudinary, which then also delivers. */
  private readonly deliveryBase: string | undefined;

  constructor(cloudinaryUrl: string) {
    super();
    // The SDK reads CLOUDINARY_URL from the environment, and picks http or https for uploads from
    // its `upload_prefix` once, when its uploader is first loaded: so the variable is set first
    // and the SDK is loaded here, not imported at the top of the file.
    process.env.CLOUDINARY_URL = cloudinaryUrl;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the variable is set (above)
    const { v2 } = require('cloudinary') as typeof import('cloudinary');
    this.cloudinary = v2;
    const config: ConfigOptions = this.cloudinary.config(true);
    const prefix = typeof config.upload_prefix === 'string' ? new URL(config.upload_prefix) : undefined;
    this.deliveryBase =
      prefix === undefined || /(^|\.)cloudinary\.com$/.test(prefix.hostname)
        ? undefined
        : `${prefix.origin}/${config.cloud_name}`;
  }

  async put(key: string, bytes: Buffer, mimeType: string): Promise<StoredMedia> {
    const contentType = contentTypeForPut(key, mimeType);
    const { resourceType, publicId } = placement(key);
    const response = await new Promise<UploadApiResponse>((resolve, reject) => {
      const upload = this.cloudinary.uploader.upload_stream(
        {
          public_id: publicId,
          resource_type: resourceType,
          overwrite: true,
          invalidate: true,
          timeout: UPLOAD_TIMEOUT_MS,
        },
        (error?: UploadApiErrorResponse, result?: UploadApiResponse) =>
          error || !result ? reject(uploadError(key, error)) : resolve(result),
      );
      upload.end(bytes);
    });
    return {
      url: response.secure_url,
      publicId: response.public_id,
      ...(response.width && response.height ? { width: response.width, height: response.height } : {}),
      bytes: response.bytes,
      mimeType: contentType,
    };
  }

  async get(key: string): Promise<MediaObject | null> {
    const mimeType = checkMediaKey(key);
    const response = await this.fetchDelivery(key, 'GET');
    if (response === null) return null;
    return { bytes: Buffer.from(await response.arrayBuffer()), mimeType };
  }

  async exists(key: string): Promise<boolean> {
    checkMediaKey(key);
    return (await this.fetchDelivery(key, 'HEAD')) !== null;
  }

  private async fetchDelivery(key: string, method: 'GET' | 'HEAD'): Promise<Response | null> {
    const url = this.deliveryUrl(placement(key));
    const response = await fetch(url, { method, signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`Cloudinary delivery of ${key} answered ${response.status}`);
    }
    return response;
  }

  private deliveryUrl({ resourceType, publicId, format }: Placement): string {
    if (this.deliveryBase !== undefined) {
      return `${this.deliveryBase}/${resourceType}/upload/${publicId}${format === undefined ? '' : `.${format}`}`;
    }
    return this.cloudinary.url(publicId, { resource_type: resourceType, type: 'upload', secure: true, format });
  }
}

function placement(key: string): Placement {
  const extension = key.slice(key.lastIndexOf('.') + 1);
  if (extension.toLowerCase() === 'pdf') return { resourceType: 'raw', publicId: key, format: undefined };
  return { resourceType: 'image', publicId: key.slice(0, -(extension.length + 1)), format: extension };
}

function uploadError(key: string, error: UploadApiErrorResponse | undefined): Error {
  const status = error?.http_code === undefined ? '' : ` (${error.http_code})`;
  return new Error(redact(`Cloudinary upload of ${key} failed${status}: ${error?.message ?? 'no response'}`));
}
