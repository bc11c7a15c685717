import { createHash } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/** `api` faults hit the provider's API calls; `media` faults hit downloads of the files it serves. */
export type FaultScope = 'api' | 'media';

export type Fault = (
  | { kind: 'status'; status: number; retryAfterSeconds?: number; body?: string }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'malformed' }
  | { kind: 'drop' }
  /** Answers with a redirect to `location` (a file server moved, or one sending clients elsewhere). */
  | { kind: 'redirect'; location: string; status?: number }
  /** A 200 whose body is `bytes` bytes sent in chunks without Content-Length, cut short when the client leaves. */
  | { kind: 'chunked'; bytes: number; contentType?: string }
) & { scope?: FaultScope };

/** What a `chunked` fault sent before it finished or the client hung up. */
export interface ChunkedSent {
  readonly bytes: number;
  readonly clientLeft: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON, form fields (files summarised as name, type and size), or undefined. */
  readonly body: unknown;
  readonly at: Date;
}

export interface FilePart {
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  readonly data: Buffer;
}

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
  /** Present when the body is JSON; `invalidJson` tells a broken body from an absent one. */
  readonly json?: unknown;
  readonly invalidJson: boolean;
  /** How many resets came before the request arrived, so work it finishes after one can be told apart. */
  readonly epoch: number;
  readonly fields: Readonly<Record<string, string | string[]>>;
  readonly files: readonly FilePart[];
}

export interface FakeReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string | object;
  /** Sent only after this wait: the work is done, the answer is late. */
  readonly delayMs?: number;
  /** The work is done, but the connection is destroyed instead of answering. */
  readonly dropConnection?: boolean;
}

/** A 200 whose JSON body breaks off. */
export const MALFORMED_REPLY: FakeReply = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"data": [{"ur',
};

export function jsonReply(status: number, body: object, headers: Record<string, string> = {}): FakeReply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body };
}

export interface FakeServerOptions {
  readonly port?: number;
  readonly latencyMs?: number;
}

/** Benchmarks send far more requests than a test reads back; older records are let go. */
const MAX_RECORDED = 10_000;
const MAX_BODY_BYTES = 256 * 1024 * 1024;

/**
 * A loopback HTTP server that records what it receives and can be told to misbehave. Each
 * provider fake supplies the routes and its provider's error shape; faults are applied before
 * the routes, like the infrastructure failures they stand for.
 */
export abstract class FakeServer<F extends { kind: string; scope?: FaultScope } = Fault> {
  readonly requests: RecordedRequest[] = [];
  /** One entry per `chunked` fault served, in order. */
  readonly chunkedSent: ChunkedSent[] = [];
  private readonly server: Server;
  private readonly faults: Array<{ fault: F; remaining: number }> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private latencyMs: number;
  private boundPort: number | undefined;
  private resets = 0;

  protected constructor(private readonly options: FakeServerOptions) {
    this.latencyMs = options.latencyMs ?? 0;
    this.server = createServer((req, res) => void this.serve(req, res));
    this.server.keepAliveTimeout = 5_000;
  }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('the fake server is not listening');
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Queues a fault for the next `times` requests of its scope (API calls unless it says media). */
  failNext(fault: F, times = 1): void {
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`);
    this.faults.push({ fault, remaining: times });
  }

  /** Forgets the faults still queued; the requests and the bill are kept. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  setLatency(ms: number): void {
    if (!(ms >= 0)) throw new Error(`latency must be >= 0 ms, got ${ms}`);
    this.latencyMs = ms;
  }

  /** Forgets recorded requests, queued faults, stored state, and restores the starting latency. */
  reset(): void {
    this.resets += 1;
    this.requests.length = 0;
    this.chunkedSent.length = 0;
    this.faults.length = 0;
    this.latencyMs = this.options.latencyMs ?? 0;
    this.resetState();
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  protected abstract handle(req: FakeRequest): Promise<FakeReply>;
  /** The provider's own error body for a status, used by status faults and unexpected crashes. */
  protected abstract errorReply(status: number): FakeReply;
  protected abstract scopeOf(req: FakeRequest): FaultScope;
  protected resetState(): void {}

  /** What a `malformed` fault answers; by default the request is not handled at all. */
  protected async malformedReply(_req: FakeRequest): Promise<FakeReply> {
    return MALFORMED_REPLY;
  }

  /** Removes and returns the next queued fault of a scope, so subclasses can add fault kinds. */
  protected takeFault(scope: FaultScope, accepts: (fault: F) => boolean = () => true): F | undefined {
    const index = this.faults.findIndex((entry) => (entry.fault.scope ?? 'api') === scope && accepts(entry.fault));
    if (index < 0) return undefined;
    const entry = this.faults[index]!;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.faults.splice(index, 1);
    return entry.fault;
  }

  /** How many resets there have been; see FakeRequest.epoch. */
  protected get epoch(): number {
    return this.resets;
  }

  protected sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const raw = await readBody(req);
      if (raw === undefined) {
        res.on('finish', () => req.socket.destroy());
        return this.send(res, this.errorReply(413));
      }
      const request: FakeRequest = { ...parseRequest(req, raw), epoch: this.resets };
      this.record(request);
      const scope = this.scopeOf(request);
      const fault = this.takeFault(scope, (f) =>
        ['status', 'slow', 'malformed', 'drop', 'redirect', 'chunked'].includes(f.kind),
      ) as Fault | undefined;
      if (scope === 'api') await this.sleep(this.latencyMs);
      if (fault?.kind === 'drop') return void req.socket.destroy();
      if (fault?.kind === 'slow') await this.sleep(fault.delayMs);
      if (fault?.kind === 'malformed') return this.send(res, await this.malformedReply(request));
      if (fault?.kind === 'status') return this.send(res, this.faultReply(fault));
      if (fault?.kind === 'redirect')
        return this.send(res, { status: fault.status ?? 302, headers: { location: fault.location } });
      if (fault?.kind === 'chunked') return void (await this.sendChunked(res, fault.bytes, fault.contentType));
      const reply = await this.handle(request);
      if (reply.dropConnection) return void req.socket.destroy();
      if (reply.delayMs !== undefined) await this.sleep(reply.delayMs);
      this.send(res, reply);
    } catch (error) {
      // A fault in the fake itself must not pass for a provider outage unnoticed.
      process.stderr.write(
        `fake provider server failed on ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}\n`,
      );
      this.send(res, this.errorReply(500));
    }
  }

  /** Writes zero bytes in 64 KiB chunks, waiting for the client to drain each, until done or it leaves. */
  private async sendChunked(res: ServerResponse, total: number, contentType = 'image/png'): Promise<void> {
    res.writeHead(200, { 'content-type': contentType, 'transfer-encoding': 'chunked' });
    const chunk = Buffer.alloc(64 * 1024);
    let sent = 0;
    let clientLeft = false;
    res.on('close', () => (clientLeft = !res.writableFinished));
    while (sent < total && !res.destroyed) {
      const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
      sent += piece.length;
      if (!res.write(piece)) {
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
    }
    if (!res.destroyed) await new Promise<void>((resolve) => res.end(resolve));
    this.chunkedSent.push({ bytes: sent, clientLeft: clientLeft || res.destroyed });
  }

  private faultReply(fault: Extract<Fault, { kind: 'status' }>): FakeReply {
    const base = this.errorReply(fault.status);
    const headers: Record<string, string> = { ...base.headers };
    if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
    return { status: fault.status, headers, body: fault.body ?? base.body };
  }

  private send(res: ServerResponse, reply: FakeReply): void {
    if (res.destroyed || res.writableEnded) return;
    const body =
      reply.body === undefined
        ? Buffer.alloc(0)
        : Buffer.isBuffer(reply.body)
          ? reply.body
          : Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
    res.end(body);
  }

  private record(req: FakeRequest): void {
    const files = Object.fromEntries(
      req.files.map((f) => [f.field, { filename: f.filename, contentType: f.contentType, bytes: f.data.length }]),
    );
    const body =
      req.json !== undefined
        ? req.json
        : req.files.length > 0 || Object.keys(req.fields).length > 0
          ? { ...req.fields, ...files }
          : req.invalidJson
            ? req.raw.toString('utf8')
            : undefined;
    this.requests.push({
      method: req.method,
      path: req.path,
      query: Object.fromEntries(req.query),
      headers: req.headers,
      body,
      at: new Date(),
    });
    if (this.requests.length > 2 * MAX_RECORDED) this.requests.splice(0, this.requests.length - MAX_RECORDED);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseRequest(req: IncomingMessage, raw: Buffer): Omit<FakeRequest, 'epoch'> {
  const target = new URL(req.url ?? '/', 'http://fake.invalid');
  const contentType = req.headers['content-type'] ?? '';
  const base = {
    method: req.method ?? 'GET',
    path: target.pathname,
    query: target.searchParams,
    headers: req.headers,
    raw,
  };
  if (/^application\/(.+\+)?json/i.test(contentType) && raw.length > 0) {
    try {
      return { ...base, json: JSON.parse(raw.toString('utf8')), invalidJson: false, fields: {}, files: [] };
    } catch {
      return { ...base, invalidJson: true, fields: {}, files: [] };
    }
  }
  if (/^multipart\/form-data/i.test(contentType))
    return { ...base, invalidJson: false, ...parseMultipart(contentType, raw) };
  if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
    return { ...base, invalidJson: false, fields: collectFields(new URLSearchParams(raw.toString('utf8'))), files: [] };
  }
  return { ...base, invalidJson: false, fields: {}, files: [] };
}

/** Repeated names and PHP-style `name[]` both become arrays, as form-reading servers do. */
function collectFields(pairs: Iterable<[string, string]>): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const key = name.endsWith('[]') ? name.slice(0, -2) : name;
    const existing = fields[key];
    if (existing === undefined) fields[key] = name.endsWith('[]') ? [value] : value;
    else fields[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return fields;
}

/**
 * RFC 7578 bodies, binary-safe: parts are cut at CRLF--boundary, never decoded as text before
 * their headers say so. Tolerates a missing CRLF after the closing delimiter (the Cloudinary SDK
 * sends none) and preamble or epilogue text.
 */
export function parseMultipart(
  contentType: string,
  raw: Buffer,
): { fields: Record<string, string | string[]>; files: FilePart[] } {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const pairs: Array<[string, string]> = [];
  const files: FilePart[] = [];
  if (!boundary) return { fields: {}, files };
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let cursor = raw.indexOf(delimiter);
  while (cursor >= 0) {
    const afterDelimiter = cursor + delimiter.length;
    if (raw.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const lineEnd = raw.indexOf('\r\n', afterDelimiter);
    const headerEnd = lineEnd < 0 ? -1 : raw.indexOf('\r\n\r\n', lineEnd);
    if (headerEnd < 0) break;
    const next = raw.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    const data = raw.subarray(headerEnd + 4, next < 0 ? raw.length : next);
    const headers = partHeaders(raw.subarray(lineEnd + 2, Math.max(lineEnd + 2, headerEnd)).toString('utf8'));
    const disposition = headers['content-disposition'] ?? '';
    const name = dispositionParam(disposition, 'name');
    const filename = dispositionParam(disposition, 'filename');
    if (name !== undefined && filename !== undefined) {
      files.push({
        field: name,
        filename,
        contentType: headers['content-type'] ?? 'application/octet-stream',
        data: Buffer.from(data),
      });
    } else if (name !== undefined) {
      pairs.push([name, data.toString('utf8')]);
    }
    cursor = next < 0 ? -1 : next + 2;
  }
  return { fields: collectFields(pairs), files };
}

function partHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function dispositionParam(disposition: string, param: string): string | undefined {
  const extended = new RegExp(`;\\s*${param}\\*=(?:UTF-8|utf-8)''([^;]+)`).exec(disposition);
  if (extended) return decodeURIComponent(extended[1]!);
  const match = new RegExp(`;\\s*${param}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]+))`).exec(disposition);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!.trim();
}

export interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

/** The same prompt always paints the same colour, so a test can tell whose image it got. */
export function colourFor(text: string): Rgb {
  const digest = createHash('sha256').update(text).digest();
  return { r: digest[0]!, g: digest[1]!, b: digest[2]! };
}

export type ImageFormat = 'png' | 'jpeg' | 'webp';

const IMAGE_CACHE_ENTRIES = 64;
const imageCache = new Map<string, Promise<Buffer>>();

/** A real, decodable image of exactly the given size; encoded once per size, colour and format. */
export function solidImage(width: number, height: number, format: ImageFormat, colour: Rgb): Promise<Buffer> {
  const key = `${width}x${height}:${colour.r},${colour.g},${colour.b}:${format}`;
  const cached = imageCache.get(key);
  if (cached) {
    imageCache.delete(key);
    imageCache.set(key, cached);
    return cached;
  }
  const encoded = sharp({ create: { width, height, channels: 3, background: colour } })
    .toFormat(format)
    .toBuffer();
  imageCache.set(key, encoded);
  encoded.catch(() => imageCache.delete(key));
  if (imageCache.size > IMAGE_CACHE_ENTRIES) imageCache.delete(imageCache.keys().next().value!);
  return encoded;
}

export const IMAGE_CONTENT_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
};
