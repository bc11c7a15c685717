import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type { ImageGenerateParamsNonStreaming } from 'openai/resources/images';
import type { OpenAIImageModel } from '../config/app-config';
import { downloadImage, inspectImage } from './image-bytes';
import { createNodeHttpFetch } from './node-http-fetch';
import type { GenerateParams, GeneratedImage, ImageProvider, ImageSize, PriceParams } from './domain/image-provider';
import { openAIImageSize, sizeLabel } from './domain/image-sizes';
import { gptImageQuality, openAIPriceMicros } from './domain/pricing';
import { ProviderCallError, networkFailureOutcome, parseRetryAfter, redact } from './provider-error';

export interface OpenAIProviderOptions {
  readonly apiKey: string;
  /** Must include `/v1` (the SDK appends `/images/generations`). */
  readonly baseUrl: string | undefined;
  readonly model: OpenAIImageModel;
  readonly timeoutMs: number;
}

/** The only values DALL-E 3 accepts for `style`. */
const DALL_E_STYLES = new Set(['vivid', 'natural']);

export class OpenAIImageProvider implements ImageProvider {
  readonly name = 'openai' as const;
  readonly model: OpenAIImageModel;
  private readonly client: OpenAI;
  private readonly apiKey: string;

  constructor(options: OpenAIProviderOptions) {
    this.model = options.model;
    this.apiKey = options.apiKey;
    // Retries belong to our resilience layer, which also sees the breaker; the SDK's would multiply them.
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      maxRetries: 0,
      timeout: options.timeoutMs,
      fetch: createNodeHttpFetch(),
    });
  }

  size(params: PriceParams): ImageSize {
    return openAIImageSize(this.model, params.aspectRatio);
  }

  price(params: PriceParams): number {
    return openAIPriceMicros(this.model, params.quality, this.size(params));
  }

  /**
   * Once OpenAI answers 200 the image is made and billed, whatever then happens to the body: from
   * there on, every failure is a billed one. The SDK would parse the body and hide that moment, so
   * the 200 is taken as a raw response and read here.
   */
  async generate(params: GenerateParams): Promise<GeneratedImage> {
    let response: Response;
    try {
      response = await this.client.images.generate(this.request(params), { signal: params.signal }).asResponse();
    } catch (error) {
      throw this.toProviderError(error);
    }
    const requestId = response.headers.get('x-request-id') ?? undefined;
    if (requestId !== undefined) params.onRequestId?.(requestId);
    let reply: OpenAI.ImagesResponse;
    try {
      reply = (await response.json()) as OpenAI.ImagesResponse;
    } catch (error) {
      if (params.signal?.aborted) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new ProviderCallError(
        this.name,
        'transient',
        redact(`openai answered 200 with a body that could not be read: ${reason}`, [this.apiKey]),
        { outcome: 'billed', status: response.status, requestId },
      );
    }
    try {
      const image = reply.data?.[0];
      const bytes = image?.b64_json
        ? Buffer.from(image.b64_json, 'base64')
        : image?.url
          ? await downloadImage(image.url, params.signal, this.name, [this.apiKey])
          : undefined;
      if (bytes === undefined || bytes.length === 0) {
        throw new ProviderCallError(this.name, 'transient', 'openai answered without an image', {
          outcome: 'billed',
        });
      }
      const facts = await inspectImage(bytes, this.name);
      return {
        bytes,
        ...facts,
        model: this.model,
        provider: this.name,
        providerRequestId: requestId ?? `openai-${reply.created}`,
      };
    } catch (error) {
      throw error instanceof ProviderCallError ? error.withOutcome('billed', requestId) : error;
    }
  }

  /**
   * DALL-E 3 takes `style` only as vivid|natural; any other style of ours, and every style for
   * gpt-image-1 (which has no such parameter), is appended to the prompt as ", style: X" so it
   * still shapes the image.
   */
  private request(params: GenerateParams): ImageGenerateParamsNonStreaming {
    const size = sizeLabel(this.size(params)) as ImageGenerateParamsNonStreaming['size'];
    const nativeStyle = this.model === 'dall-e-3' && params.style !== null && DALL_E_STYLES.has(params.style);
    const prompt = params.style === null || nativeStyle ? params.prompt : `${params.prompt}, style: ${params.style}`;
    if (this.model === 'gpt-image-1') {
      return { model: this.model, prompt, n: 1, size, quality: gptImageQuality(params.quality), output_format: 'png' };
    }
    return {
      model: this.model,
      prompt,
      n: 1,
      size,
      quality: params.quality,
      // A URL would expire within the hour; the bytes are ours to keep.
      response_format: 'b64_json',
      ...(nativeStyle ? { style: params.style as 'vivid' | 'natural' } : {}),
    };
  }

  private toProviderError(error: unknown): unknown {
    if (error instanceof APIUserAbortError) return error;
    if (error instanceof APIConnectionError) {
      const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return new ProviderCallError(this.name, 'transient', redact(`${error.message}${cause}`, [this.apiKey]), {
        outcome: networkFailureOutcome(error),
      });
    }
    if (error instanceof APIError && error.status !== undefined) {
      const headers = error.headers;
      const retryAfterMs = headers?.get('retry-after-ms');
      return ProviderCallError.fromStatus(this.name, error.status, redact(error.message, [this.apiKey]), {
        retryAfterMs:
          retryAfterMs && /^\d+$/.test(retryAfterMs)
            ? Number(retryAfterMs)
            : parseRetryAfter(headers?.get('retry-after'), Date.now()),
        requestId: error.requestID ?? undefined,
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderCallError(this.name, 'transient', redact(`openai call failed: ${message}`, [this.apiKey]), {
      outcome: 'unknown',
    });
  }
}
