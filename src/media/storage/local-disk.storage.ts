import { randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import sharp from 'sharp';
import {
  MediaStorage,
  checkMediaKey,
  contentTypeForPut,
  type ImageDimensions,
  type MediaObject,
  type StoredMedia,
} from './media-storage';

/**
 * Files under `DATA_DIR/media`, served by the app at `${PUBLIC_BASE_URL}/media/<key>`. The content
 * type is the key's extension's, checked on write, so nothing needs storing beside the file.
 */
export class LocalDiskStorage extends MediaStorage {
  private readonly root: string;

  constructor(
    dataDir: string,
    private readonly publicBaseUrl: string,
  ) {
    super();
    this.root = resolve(dataDir, 'media');
  }

  async put(key: string, bytes: Buffer, mimeType: string, known?: ImageDimensions): Promise<StoredMedia> {
    const contentType = contentTypeForPut(key, mimeType);
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // A reader never sees half a file: the bytes land under a hidden name (which no key can
    // address) and replace the old file in one rename.
    const temporary = join(dirname(path), `.${randomBytes(8).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, bytes);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    // Dimensions are a courtesy (Cloudinary reports them too); storage does not judge the bytes.
    const dimensions =
      known ??
      (contentType.startsWith('image/')
        ? await sharp(bytes)
            .metadata()
            .catch(() => undefined)
        : undefined);
    return {
      url: `${this.publicBaseUrl}/media/${key}`,
      publicId: key,
      ...(dimensions?.width && dimensions.height ? { width: dimensions.width, height: dimensions.height } : {}),
      bytes: bytes.length,
      mimeType: contentType,
    };
  }

  async get(key: string): Promise<MediaObject | null> {
    const mimeType = checkMediaKey(key);
    try {
      return { bytes: await readFile(this.pathOf(key)), mimeType };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /** For serving: a stream rather than the whole file, since print files run to tens of megabytes. */
  async open(key: string): Promise<{ stream: ReadStream; size: number; mimeType: string } | null> {
    const mimeType = checkMediaKey(key);
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      return info.isFile() ? { stream: createReadStream(path), size: info.size, mimeType } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    checkMediaKey(key);
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** The key is already checked; resolving and re-checking the prefix guards against a mistake there. */
  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error(`media key escapes the media directory: ${key}`);
    return path;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
