import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import type { FormatEnum } from 'sharp';
import {
  FakeServer,
  IMAGE_CONTENT_TYPES,
  jsonReply,
  type FakeReply,
  type FakeRequest,
  type FaultScope,
} from './fake-server';

export interface FakeCloudinaryOptions {
  readonly cloudName: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly port?: number;
  readonly latencyMs?: number;
  /** Cloudinary's paid plans take images up to 20 MB; larger uploads are refused as there. */
  readonly maxFileBytes?: number;
}

export interface StoredAsset {
  readonly publicId: string;
  readonly resourceType: 'image' | 'raw';
  readonly version: number;
  readonly bytes: Buffer;
  /** Absent for raw files, whose public id carries the extension. */
  readonly format?: string;
  readonly width?: number;
  readonly height?: number;
  readonly pages?: number;
  readonly originalFilename: string;
  readonly folder: string;
  readonly tags: readonly string[];
  readonly createdAt: Date;
}

type Fields = Record<string, string | string[]>;

/** Parameters the upload signature leaves out, per Cloudinary's signing rules. */
const UNSIGNED = new Set(['file', 'api_key', 'signature', 'resource_type', 'cloud_name']);
const CONVERTIBLE = new Set(['jpg', 'jpeg', 'png', 'webp', 'avif', 'gif', 'tiff']);
const SHARP_FORMATS: Readonly<Record<string, string>> = { jpeg: 'jpg', heif: 'avif' };

class UploadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Cloudinary's upload API (`/v1_1/{cloud}/{image|raw|auto}/upload`, `/destroy`) and its delivery URLs. */
export class FakeCloudinary extends FakeServer {
  private readonly assets = new Map<string, StoredAsset>();

  constructor(private readonly config: FakeCloudinaryOptions) {
    super(config);
  }

  /** The stored upload, for assertions that should not go through HTTP. */
  asset(publicId: string, resourceType: 'image' | 'raw' = 'image'): StoredAsset | undefined {
    return this.assets.get(`${resourceType}:${publicId}`);
  }

  protected scopeOf(req: FakeRequest): FaultScope {
    return req.path.startsWith('/v1_1/') ? 'api' : 'media';
  }

  protected override resetState(): void {
    this.assets.clear();
  }

  protected errorReply(status: number): FakeReply {
    const message =
      status === 401
        ? 'Invalid credentials'
        : status === 404
          ? 'Resource not found'
          : status === 420 || status === 429
            ? 'Rate Limit Exceeded'
            : status === 500
              ? 'General Error'
              : status >= 500
                ? 'Service Unavailable'
                : `Request failed with status ${status}`;
    return cloudinaryError(status, message);
  }

  protected async handle(req: FakeRequest): Promise<FakeReply> {
    const segments = req.path.split('/').filter(Boolean).map(decodeSegment);
    if (segments[0] === 'v1_1' && req.method === 'POST' && segments.length === 4) {
      try {
        if (segments[1] !== this.config.cloudName) throw new UploadError(401, `Invalid cloud_name ${segments[1]}`);
        const fields = this.authenticate(req);
        if (segments[3] === 'upload') return await this.upload(segments[2]!, fields, req);
        if (segments[3] === 'destroy') return this.destroy(segments[2]!, fields);
      } catch (error) {
        if (error instanceof UploadError) return cloudinaryError(error.status, error.message);
        throw error;
      }
    }
    if (
      (req.method === 'GET' || req.method === 'HEAD') &&
      segments[0] === this.config.cloudName &&
      segments[2] === 'upload'
    ) {
      return this.deliver(segments[1]!, segments.slice(3));
    }
    return cloudinaryError(404, `Invalid URL (${req.method} ${req.path})`);
  }

  private authenticate(req: FakeRequest): Fields {
    const fields = req.json !== undefined ? jsonFields(req.json) : { ...req.fields };
    const apiKey = fields.api_key;
    if (fields.signature === undefined && typeof fields.upload_preset === 'string') {
      throw new UploadError(400, `Upload preset not found: ${fields.upload_preset}`);
    }
    if (apiKey === undefined) throw new UploadError(401, 'Must supply api_key');
    if (apiKey !== this.config.apiKey) throw new UploadError(401, `Unknown API key ${String(apiKey)}`);
    const timestamp = Number(fields.timestamp);
    if (fields.timestamp === undefined) throw new UploadError(400, 'Missing required parameter - timestamp');
    if (!(timestamp > Date.now() / 1000 - 3600)) {
      throw new UploadError(
        400,
        `Stale request - reported time is ${new Date(timestamp * 1000).toISOString()} which is more than 1 hour ago`,
      );
    }
    const signature = fields.signature;
    if (typeof signature !== 'string') throw new UploadError(400, 'Missing required parameter - signature');
    const candidates = stringsToSign(fields);
    if (!candidates.some((candidate) => sameHex(sign(candidate, this.config.apiSecret, signature.length), signature))) {
      throw new UploadError(401, `Invalid Signature ${signature}. String to sign - '${candidates[0]}'.`);
    }
    return fields;
  }

  private async upload(resourceType: string, fields: Fields, req: FakeRequest): Promise<FakeReply> {
    if (!['image', 'raw', 'auto'].includes(resourceType))
      throw new UploadError(400, `Resource type ${resourceType} is not supported by this fake`);
    const { data, filename } = await fileOf(fields, req);
    const limit = this.config.maxFileBytes ?? 20 * 1024 * 1024;
    if (data.length > limit)
      throw new UploadError(400, `File size too large. Got ${data.length}. Maximum is ${limit}.`);
    const analysed = await analyse(data, resourceType, str(fields.format));
    const kind = analysed ? 'image' : 'raw';
    const extension = /\.([^./]+)$/.exec(filename)?.[1];
    const originalFilename = filename.replace(/\.[^./]+$/, '');
    const folder = (str(fields.folder) ?? '').replace(/^\/+|\/+$/g, '');
    let name =
      str(fields.public_id) ??
      (flag(fields.use_filename, false)
        ? `${originalFilename.replace(/[^\w-]/g, '_')}${flag(fields.unique_filename, true) ? `_${randomId(6)}` : ''}`
        : randomId(20));
    if (kind === 'raw' && fields.public_id === undefined && extension) name += `.${extension}`;
    const publicId = folder ? `${folder}/${name}` : name;
    const key = `${kind}:${publicId}`;
    const existing = this.assets.get(key);
    if (existing && !flag(fields.overwrite, true)) return this.reply(existing, { existing: true, overwritten: false });
    const asset: StoredAsset = {
      publicId,
      resourceType: kind,
      bytes: analysed?.bytes ?? data,
      format: analysed?.format,
      width: analysed?.width,
      height: analysed?.height,
      pages: analysed?.pages,
      originalFilename,
      folder,
      version: Math.max(Math.floor(Date.now() / 1000), (existing?.version ?? 0) + 1),
      tags: (str(fields.tags) ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      createdAt: new Date(),
    };
    this.assets.set(key, asset);
    return this.reply(asset, { overwritten: existing !== undefined });
  }

  private destroy(resourceType: string, fields: Fields): FakeReply {
    const key = `${resourceType}:${str(fields.public_id) ?? ''}`;
    const found = this.assets.delete(key);
    return jsonReply(200, { result: found ? 'ok' : 'not found' });
  }

  private reply(asset: StoredAsset, extra: object): FakeReply {
    const url = this.deliveryUrl(asset);
    const version = asset.version;
    return jsonReply(200, {
      asset_id: createHash('md5').update(`${asset.resourceType}:${asset.publicId}`).digest('hex'),
      public_id: asset.publicId,
      version,
      version_id: createHash('md5').update(`${asset.publicId}@${version}`).digest('hex'),
      signature: sign(`public_id=${asset.publicId}&version=${version}`, this.config.apiSecret, 40),
      ...(asset.format ? { width: asset.width, height: asset.height, format: asset.format } : {}),
      ...(asset.pages !== undefined ? { pages: asset.pages } : {}),
      resource_type: asset.resourceType,
      created_at: asset.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      tags: asset.tags,
      bytes: asset.bytes.length,
      type: 'upload',
      etag: createHash('md5').update(asset.bytes).digest('hex'),
      placeholder: false,
      url,
      // No TLS on loopback: the "secure" URL is the same plain-HTTP address.
      secure_url: url,
      asset_folder: asset.folder,
      display_name: asset.publicId.split('/').at(-1),
      original_filename: asset.originalFilename,
      ...extra,
      api_key: this.config.apiKey,
    });
  }

  private deliveryUrl(asset: StoredAsset): string {
    const path = asset.publicId.split('/').map(encodeURIComponent).join('/');
    const suffix = asset.format ? `.${asset.format}` : '';
    return `${this.url}/${encodeURIComponent(this.config.cloudName)}/${asset.resourceType}/upload/v${asset.version}/${path}${suffix}`;
  }

  private async deliver(resourceType: string, rest: string[]): Promise<FakeReply> {
    const versionAt = rest.findIndex((segment) => /^v\d+$/.test(segment));
    if (versionAt > 0) return deliveryError(400, 'Transformations are not supported by this fake');
    const path = (versionAt === 0 ? rest.slice(1) : rest).join('/');
    if (resourceType === 'raw') {
      const asset = this.assets.get(`raw:${path}`);
      if (!asset) return notFound(path);
      const type =
        IMAGE_CONTENT_TYPES[/\.([^./]+)$/.exec(path)?.[1]?.toLowerCase() ?? ''] ?? 'application/octet-stream';
      return { status: 200, headers: { 'content-type': type }, body: asset.bytes };
    }
    const match = /^(.*?)(?:\.([a-z0-9]+))?$/i.exec(path)!;
    const asset = this.assets.get(`image:${match[1]}`) ?? this.assets.get(`image:${path}`);
    if (!asset || resourceType !== 'image') return notFound(match[1]!);
    const wanted = match[2]?.toLowerCase() === 'jpeg' ? 'jpg' : (match[2]?.toLowerCase() ?? asset.format!);
    if (wanted === asset.format)
      return { status: 200, headers: { 'content-type': IMAGE_CONTENT_TYPES[wanted]! }, body: asset.bytes };
    if (!CONVERTIBLE.has(wanted) || !CONVERTIBLE.has(asset.format!))
      return deliveryError(400, `Cannot convert ${asset.format} to ${wanted}`);
    const converted = await sharp(asset.bytes).toFormat(sharpFormat(wanted)).toBuffer();
    return { status: 200, headers: { 'content-type': IMAGE_CONTENT_TYPES[wanted]! }, body: converted };
  }
}

export async function startFakeCloudinary(options: FakeCloudinaryOptions): Promise<FakeCloudinary> {
  return new FakeCloudinary(options).listen();
}

/**
 * The SDK sorts with localeCompare and, from signature version 2, escapes `&` in values; a
 * hand-written client may sort by code unit and not escape. Any of these forms is accepted.
 */
function stringsToSign(fields: Fields): string[] {
  const signed = Object.entries(fields)
    .filter(([key, value]) => !UNSIGNED.has(key) && value !== '')
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : value}`);
  const keyOf = (param: string): string => param.slice(0, param.indexOf('='));
  const locale = [...signed].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  const codeUnit = [...signed].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  return [locale, codeUnit].flatMap((order) => [order.map((p) => p.replace(/&/g, '%26')).join('&'), order.join('&')]);
}

function sign(toSign: string, secret: string, hexLength: number): string {
  return createHash(hexLength === 64 ? 'sha256' : 'sha1')
    .update(toSign + secret)
    .digest('hex');
}

function sameHex(expected: string, given: string): boolean {
  return expected.length === given.length && timingSafeEqual(Buffer.from(expected), Buffer.from(given.toLowerCase()));
}

async function fileOf(fields: Fields, req: FakeRequest): Promise<{ data: Buffer; filename: string }> {
  const part = req.files.find((f) => f.field === 'file');
  if (part) return { data: part.data, filename: part.filename };
  const file = str(fields.file);
  if (!file) throw new UploadError(400, 'Missing required parameter - file');
  const dataUri = /^data:[^;,]*(?:;[^;,]*)*;base64,(.*)$/s.exec(file);
  if (dataUri) return { data: Buffer.from(dataUri[1]!, 'base64'), filename: 'file' };
  if (!/^https?:\/\//.test(file))
    throw new UploadError(400, `Invalid file: only http(s) URLs and data URIs are accepted by this fake`);
  let response: Response;
  try {
    response = await fetch(file, { signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new UploadError(400, `Error in loading ${file} - ${(error as Error).message}`);
  }
  if (!response.ok) throw new UploadError(400, `Error in loading ${file} - ${response.status} ${response.statusText}`);
  const name = decodeURIComponent(new URL(file).pathname.split('/').at(-1) || 'file');
  return { data: Buffer.from(await response.arrayBuffer()), filename: name };
}

interface Analysed {
  readonly bytes: Buffer;
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly pages?: number;
}

/** Images and PDFs become image assets (PDFs report their first page's size in points); anything else is raw. */
async function analyse(data: Buffer, resourceType: string, format: string | undefined): Promise<Analysed | undefined> {
  if (resourceType === 'raw') return undefined;
  if (data.subarray(0, 5).toString('latin1') === '%PDF-') {
    const pdf = await PDFDocument.load(data, { ignoreEncryption: true, updateMetadata: false }).catch(() => undefined);
    if (pdf && pdf.getPageCount() > 0) {
      const { width, height } = pdf.getPage(0).getSize();
      return {
        bytes: data,
        format: 'pdf',
        width: Math.round(width),
        height: Math.round(height),
        pages: pdf.getPageCount(),
      };
    }
  }
  const metadata = await sharp(data)
    .metadata()
    .catch(() => undefined);
  if (!metadata?.format || !metadata.width || !metadata.height) {
    if (resourceType === 'auto') return undefined;
    throw new UploadError(400, 'Invalid image file');
  }
  const actual = SHARP_FORMATS[metadata.format] ?? metadata.format;
  const pages = metadata.pages && metadata.pages > 1 ? { pages: metadata.pages } : {};
  if (!format || format === actual || !CONVERTIBLE.has(format)) {
    return { bytes: data, format: actual, width: metadata.width, height: metadata.height, ...pages };
  }
  const bytes = await sharp(data).toFormat(sharpFormat(format)).toBuffer();
  return { bytes, format, width: metadata.width, height: metadata.height };
}

/** Some clients post JSON instead of a form; values are compared as the strings a form would carry. */
function jsonFields(json: unknown): Fields {
  if (typeof json !== 'object' || json === null) return {};
  return Object.fromEntries(
    Object.entries(json as Record<string, unknown>)
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([key, value]) => [key, Array.isArray(value) ? value.map(String) : String(value)]),
  );
}

/** A malformed escape is kept as sent, so it simply finds no asset instead of crashing the route. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function sharpFormat(extension: string): keyof FormatEnum {
  return (extension === 'jpg' ? 'jpeg' : extension) as keyof FormatEnum;
}

function str(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function flag(value: string | string[] | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return ['true', '1'].includes(String(value).toLowerCase());
}

function randomId(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

function cloudinaryError(status: number, message: string): FakeReply {
  return jsonReply(status, { error: { message } });
}

/** Delivery failures carry their reason in a header, as Cloudinary's CDN does. */
function deliveryError(status: number, reason: string): FakeReply {
  return { status, headers: { 'content-type': 'text/plain', 'x-cld-error': reason }, body: reason };
}

function notFound(publicId: string): FakeReply {
  return deliveryError(404, `Resource not found - ${publicId}`);
}
