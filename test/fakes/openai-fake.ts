import { randomBytes } from 'node:crypto';
import { FakeImageProvider, type BillEntry } from './fake-image-provider';
import {
  colourFor,
  jsonReply,
  solidImage,
  type FakeReply,
  type FakeRequest,
  type FaultScope,
  type ImageFormat,
} from './fake-server';

export interface FakeOpenAIOptions {
  readonly apiKey: string;
  readonly port?: number;
  readonly latencyMs?: number;
  /** What DALL-E answers when a request names no `response_format`; the real API says `url`. */
  readonly responseFormat?: 'b64_json' | 'url';
  /** How long a `url` image stays downloadable; the real ones expire after an hour. */
  readonly imageUrlTtlMs?: number;
}

interface ModelRules {
  readonly sizes: readonly string[];
  readonly qualities: readonly string[];
  readonly defaultQuality: string;
  readonly styles?: readonly string[];
  readonly maxImages: number;
  readonly maxPromptLength: number;
  readonly gptImage: boolean;
}

const DALL_E_2: ModelRules = {
  sizes: ['256x256', '512x512', '1024x1024'],
  qualities: ['standard'],
  defaultQuality: 'standard',
  maxImages: 10,
  maxPromptLength: 1000,
  gptImage: false,
};
const DALL_E_3: ModelRules = {
  sizes: ['1024x1024', '1792x1024', '1024x1792'],
  qualities: ['standard', 'hd'],
  defaultQuality: 'standard',
  styles: ['vivid', 'natural'],
  maxImages: 1,
  maxPromptLength: 4000,
  gptImage: false,
};
const GPT_IMAGE: ModelRules = {
  sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'],
  qualities: ['low', 'medium', 'high', 'auto'],
  defaultQuality: 'auto',
  maxImages: 10,
  maxPromptLength: 32000,
  gptImage: true,
};
const MODELS: Readonly<Record<string, ModelRules>> = {
  'dall-e-2': DALL_E_2,
  'dall-e-3': DALL_E_3,
  'gpt-image-1': GPT_IMAGE,
  'gpt-image-1-mini': GPT_IMAGE,
};

const KNOWN_PARAMETERS = new Set([
  'prompt',
  'model',
  'n',
  'size',
  'quality',
  'style',
  'response_format',
  'user',
  'background',
  'moderation',
  'output_compression',
  'output_format',
  'partial_images',
  'stream',
]);
const GPT_IMAGE_ONLY = ['background', 'moderation', 'output_compression', 'output_format', 'partial_images'];

/** Documented gpt-image-1 output tokens per image, by quality and whether the size is square. */
const OUTPUT_TOKENS: Readonly<Record<string, readonly [number, number]>> = {
  low: [272, 408],
  medium: [1056, 1584],
  high: [4160, 6240],
};

class InvalidRequest extends Error {
  constructor(
    message: string,
    readonly param: string | null,
    readonly code: string | null,
  ) {
    super(message);
  }
}

interface UrlImage {
  readonly width: number;
  readonly height: number;
  readonly prompt: string;
  readonly expiresAt: number;
}

/**
 * Speaks `POST /v1/images/generations` as api.openai.com does, closely enough for the `openai` SDK.
 * Every valid generation request is billed, one entry per image, under the answer's x-request-id.
 */
export class FakeOpenAI extends FakeImageProvider {
  private readonly urlImages = new Map<string, UrlImage>();

  constructor(private readonly config: FakeOpenAIOptions) {
    super(config);
  }

  protected scopeOf(req: FakeRequest): FaultScope {
    return req.path.startsWith('/v1/') ? 'api' : 'media';
  }

  protected override resetState(): void {
    this.urlImages.clear();
  }

  protected errorReply(status: number): FakeReply {
    const [message, type, code] =
      status === 401
        ? ['Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key']
        : status === 429
          ? ['Rate limit exceeded for images per minute. Please try again later.', 'requests', 'rate_limit_exceeded']
          : status === 500
            ? ['The server had an error while processing your request. Sorry about that!', 'server_error', null]
            : status >= 500
              ? ['The server is overloaded or not ready yet.', 'server_error', null]
              : [`Request failed with status ${status}.`, 'invalid_request_error', null];
    return openAIError(status, message, type, null, code);
  }

  protected async handle(req: FakeRequest): Promise<FakeReply> {
    if (req.method === 'GET' && /^\/images\/[0-9a-f]+\.png$/.test(req.path)) return this.serveImage(req.path);
    const denied = this.authenticate(req.headers.authorization);
    if (denied) return denied;
    if (req.method === 'GET' && req.path.startsWith('/v1/models'))
      return this.models(req.path.slice('/v1/models'.length));
    if (req.method !== 'POST' || req.path !== '/v1/images/generations') {
      return openAIError(404, `Invalid URL (${req.method} ${req.path})`, 'invalid_request_error', null, null);
    }
    if (req.invalidJson || req.json === undefined) {
      return openAIError(
        400,
        'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.',
        'invalid_request_error',
        null,
        null,
      );
    }
    try {
      return this.afterWork(await this.generate(req.json, req.epoch));
    } catch (error) {
      if (!(error instanceof InvalidRequest)) throw error;
      return openAIError(400, error.message, 'invalid_request_error', error.param, error.code);
    }
  }

  /** Readiness checks commonly list or fetch a model; only the image models exist here. */
  private models(rest: string): FakeReply {
    const describe = (id: string): object => ({ id, object: 'model', created: 1698785189, owned_by: 'system' });
    if (rest === '' || rest === '/') return okReply({ object: 'list', data: Object.keys(MODELS).map(describe) });
    const id = decodeURIComponent(rest.slice(1));
    if (MODELS[id]) return okReply(describe(id));
    return openAIError(404, `The model '${id}' does not exist`, 'invalid_request_error', 'model', 'model_not_found');
  }

  private authenticate(header: string | undefined): FakeReply | undefined {
    const key = /^Bearer (.+)$/.exec(header ?? '')?.[1]?.trim();
    if (!key) {
      return openAIError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header " +
          'using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).',
        'invalid_request_error',
        null,
        null,
      );
    }
    if (key === this.config.apiKey) return undefined;
    const shown =
      key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(Math.min(key.length - 7, 20))}${key.slice(-4)}` : '****';
    return openAIError(
      401,
      `Incorrect API key provided: ${shown}. You can find your API key at ` +
        'https://platform.openai.com/account/api-keys.',
      'invalid_request_error',
      null,
      'invalid_api_key',
    );
  }

  private async generate(body: unknown, epoch: number): Promise<FakeReply> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidRequest('Invalid type for request body: expected an object.', null, 'invalid_type');
    }
    const params = body as Record<string, unknown>;
    const unknown = Object.keys(params).find((key) => !KNOWN_PARAMETERS.has(key));
    if (unknown) throw new InvalidRequest(`Unknown parameter: '${unknown}'.`, unknown, 'unknown_parameter');
    const prompt = params.prompt;
    if (prompt === undefined)
      throw new InvalidRequest("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
    if (typeof prompt !== 'string')
      throw new InvalidRequest("Invalid type for 'prompt': expected a string.", 'prompt', 'invalid_type');
    const model = params.model ?? 'dall-e-2';
    const rules = typeof model === 'string' ? MODELS[model] : undefined;
    if (!rules) throw new InvalidRequest(`Invalid value for 'model' = ${String(model)}.`, 'model', 'invalid_value');
    if (prompt.length > rules.maxPromptLength) {
      throw new InvalidRequest(
        `Invalid 'prompt': string too long. Expected a string with maximum length ` +
          `${rules.maxPromptLength}, but got a string with length ${prompt.length} instead.`,
        'prompt',
        'string_above_max_length',
      );
    }
    const size = oneOf(params, 'size', rules.sizes, rules.sizes[0]!);
    const quality = oneOf(params, 'quality', rules.qualities, rules.defaultQuality);
    if (!rules.styles && params.style !== undefined) throw unsupported('style', model as string);
    if (rules.styles) oneOf(params, 'style', rules.styles, 'vivid');
    const n = params.n ?? 1;
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw new InvalidRequest("Invalid type for 'n': expected an integer.", 'n', 'invalid_type');
    if (n < 1)
      throw new InvalidRequest(
        `Invalid 'n': integer below minimum value. Expected a value >= 1, but got ${n} instead.`,
        'n',
        'integer_below_min_value',
      );
    if (rules.maxImages === 1 && n > 1) throw new InvalidRequest('You must provide n=1 for this model.', 'n', null);
    if (n > rules.maxImages)
      throw new InvalidRequest(
        `Invalid 'n': integer above maximum value. Expected a value <= ${rules.maxImages}, but got ${n} instead.`,
        'n',
        'integer_above_max_value',
      );
    if (params.stream === true)
      throw new InvalidRequest('Streaming image generation is not offered by this fake.', 'stream', null);
    if (rules.gptImage) {
      if (params.response_format !== undefined)
        throw new InvalidRequest("Unknown parameter: 'response_format'.", 'response_format', 'unknown_parameter');
      const outputFormat = oneOf(params, 'output_format', ['png', 'jpeg', 'webp'], 'png') as ImageFormat;
      return this.gptImageReply(epoch, model as string, prompt, size, quality, n, outputFormat);
    }
    const gptOnly = GPT_IMAGE_ONLY.find((key) => params[key] !== undefined);
    if (gptOnly) throw unsupported(gptOnly, model as string);
    const format = oneOf(params, 'response_format', ['url', 'b64_json'], this.config.responseFormat ?? 'url');
    return this.dallEReply(epoch, model as string, prompt, size, quality, n, format, rules === DALL_E_3);
  }

  /** DALL-E 3 rewrites every prompt and says how; DALL-E 2 does not. */
  private async dallEReply(
    epoch: number,
    model: string,
    prompt: string,
    size: string,
    quality: string,
    n: number,
    format: string,
    revises: boolean,
  ): Promise<FakeReply> {
    const [width, height] = size.split('x').map(Number) as [number, number];
    const requestId = newRequestId();
    this.chargeImages(epoch, n, { requestId, model, width, height, quality });
    const data = await Promise.all(
      Array.from({ length: n }, async (_, index) => {
        const seed = index === 0 ? prompt : `${prompt}#${index}`;
        const image =
          format === 'url'
            ? { url: this.publishImage(width, height, seed) }
            : { b64_json: (await solidImage(width, height, 'png', colourFor(seed))).toString('base64') };
        return revises ? { ...image, revised_prompt: `A detailed rendering of: ${prompt}` } : image;
      }),
    );
    return okReply({ created: nowSeconds(), data }, requestId);
  }

  private async gptImageReply(
    epoch: number,
    model: string,
    prompt: string,
    size: string,
    quality: string,
    n: number,
    format: ImageFormat,
  ): Promise<FakeReply> {
    const actualSize = size === 'auto' ? '1024x1024' : size;
    const actualQuality = quality === 'auto' ? 'medium' : quality;
    const [width, height] = actualSize.split('x').map(Number) as [number, number];
    const requestId = newRequestId();
    this.chargeImages(epoch, n, { requestId, model, width, height, quality: actualQuality });
    const data = await Promise.all(
      Array.from({ length: n }, async (_, index) => {
        const image = await solidImage(width, height, format, colourFor(index === 0 ? prompt : `${prompt}#${index}`));
        return { b64_json: image.toString('base64') };
      }),
    );
    const textTokens = Math.max(1, Math.ceil(prompt.length / 4));
    const outputTokens = OUTPUT_TOKENS[actualQuality]![width === height ? 0 : 1] * n;
    return okReply(
      {
        created: nowSeconds(),
        background: 'opaque',
        data,
        output_format: format,
        quality: actualQuality,
        size: actualSize,
        usage: {
          input_tokens: textTokens,
          input_tokens_details: { image_tokens: 0, text_tokens: textTokens },
          output_tokens: outputTokens,
          total_tokens: textTokens + outputTokens,
        },
      },
      requestId,
    );
  }

  private chargeImages(epoch: number, n: number, entry: Omit<BillEntry, 'at'>): void {
    for (let i = 0; i < n; i += 1) this.charge(entry, epoch);
  }

  private publishImage(width: number, height: number, prompt: string): string {
    const now = Date.now();
    const ttl = this.config.imageUrlTtlMs ?? 3_600_000;
    for (const [id, image] of this.urlImages) {
      if (image.expiresAt + ttl > now) break;
      this.urlImages.delete(id);
    }
    const id = randomBytes(12).toString('hex');
    const expiresAt = now + ttl;
    this.urlImages.set(id, { width, height, prompt, expiresAt });
    return `${this.url}/images/${id}.png?se=${encodeURIComponent(new Date(expiresAt).toISOString())}&sp=r&sig=fake`;
  }

  /** Expired links answer 403 like the blob store behind the real URLs; unknown ones 404. */
  private async serveImage(path: string): Promise<FakeReply> {
    const image = this.urlImages.get(path.slice('/images/'.length, -'.png'.length));
    if (!image)
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'The specified blob does not exist.' };
    if (image.expiresAt < Date.now()) {
      return {
        status: 403,
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed.</Message></Error>',
      };
    }
    const bytes = await solidImage(image.width, image.height, 'png', colourFor(image.prompt));
    return { status: 200, headers: { 'content-type': 'image/png' }, body: bytes };
  }
}

export async function startFakeOpenAI(options: FakeOpenAIOptions): Promise<FakeOpenAI> {
  return new FakeOpenAI(options).listen();
}

function oneOf(params: Record<string, unknown>, name: string, allowed: readonly string[], fallback: string): string {
  const value = params[name] ?? fallback;
  if (typeof value === 'string' && allowed.includes(value)) return value;
  const listed = allowed.map((v) => `'${v}'`);
  const supported = listed.length > 1 ? `${listed.slice(0, -1).join(', ')}, and ${listed.at(-1)}` : listed[0];
  throw new InvalidRequest(
    `Invalid value: '${String(value)}'. Supported values are: ${supported}.`,
    name,
    'invalid_value',
  );
}

function unsupported(param: string, model: string): InvalidRequest {
  return new InvalidRequest(
    `The '${param}' parameter is not supported with model '${model}'.`,
    param,
    'unsupported_parameter',
  );
}

function openAIError(
  status: number,
  message: string,
  type: string,
  param: string | null,
  code: string | null,
): FakeReply {
  return jsonReply(status, { error: { message, type, param, code } }, { 'x-request-id': newRequestId() });
}

function okReply(body: object, requestId = newRequestId()): FakeReply {
  return jsonReply(200, body, { 'x-request-id': requestId, 'openai-version': '2020-10-01' });
}

function newRequestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
