import { createFalClient, type FalClient, type RequestMiddleware } from '@fal-ai/client';
import { downloadImage, inspectImage } from './image-bytes';
import type { GenerateParams, GeneratedImage, ImageProvider, ImageSize, PriceParams } from './domain/image-provider';
import { falImageSize } from './domain/image-sizes';
import { falPriceMicros, isPricedFalModel, type PRICE_TABLE } from './domain/pricing';
import { ProviderCallError, failureKindForStatus, parseRetryAfter, redact } from './provider-error';

export interface FalProviderOptions {
  readonly key: string;
  /** Replaces both `https://queue.fal.run` and `https://fal.run`. */
  readonly baseUrl: string | undefined;
  readonly model: string;
}

type PricedFalModel = keyof typeof PRICE_TABLE.falPerMegapixel;

interface FalImageOutput {
  readonly images?: ReadonlyArray<{ readonly url?: string }>;
}

const FAL_HOSTS = ['https://queue.fal.run', 'https://fal.run'];

export class FalImageProvider implements ImageProvider {
  readonly name = 'fal' as const;
  readonly model: PricedFalModel;
  private readonly client: FalClient;
  private readonly key: string;

  constructor(options: FalProviderOptions) {
    if (!isPricedFalModel(options.model)) {
      throw new Error(
        `FAL_IMAGE_MODEL ${options.model} has no price in the pricing table; refusing to spend without one`,
      );
    }
    this.model = options.model;
    this.key = options.key;
    this.client = createFalClient({
      credentials: options.key,
      requestMiddleware: rewriteHost(options.baseUrl),
      fetch: this.fetchOrFail,
    });
  }

  size(params: PriceParams): ImageSize {
    return falImageSize(params.aspectRatio);
  }

  price(params: PriceParams): number {
    return falPriceMicros(this.model, this.size(params));
  }

  /**
   * Flux has no quality levels, so `quality` changes nothing here (nor the price). `style` is
   * appended to the prompt, the only place Flux reads it.
   */
  async generate(params: GenerateParams): Promise<GeneratedImage> {
    const prompt = params.style === null ? params.prompt : `${params.prompt}, style: ${params.style}`;
    let result: { data: FalImageOutput; requestId: string };
    try {
      result = await this.client.subscribe(this.model, {
        input: { prompt, image_size: this.size(params), num_images: 1, output_format: 'png' },
        abortSignal: params.signal,
      });
    } catch (error) {
      throw this.toProviderError(error, params.signal);
    }
    const url = result.data?.images?.[0]?.url;
    if (typeof url !== 'string')
      throw new ProviderCallError(this.name, 'transient', 'fal answered without an image URL');
    const bytes = await downloadImage(url, params.signal, this.name, [this.key]);
    const facts = await inspectImage(bytes, this.name);
    return { bytes, ...facts, model: this.model, provider: this.name, providerRequestId: result.requestId };
  }

  /**
   * The client retries 429/5xx and network errors on its own (up to 5 times per poll), which
   * would hide them from our retry and breaker policy. Failing with an error type it does not
   * recognise switches that off, and keeps Retry-After, which its own errors drop.
   */
  private readonly fetchOrFail = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new ProviderCallError(this.name, 'transient', redact(`fal request failed${cause}`, [this.key]));
    }
    if (response.ok) return response;
    const detail = await response.text().catch(() => '');
    throw new ProviderCallError(
      this.name,
      failureKindForStatus(response.status),
      redact(`fal answered ${response.status}: ${errorDetail(detail)}`, [this.key]),
      response.status,
      parseRetryAfter(response.headers.get('retry-after'), Date.now()),
    );
  };

  private toProviderError(error: unknown, signal: AbortSignal | undefined): unknown {
    if (error instanceof ProviderCallError || signal?.aborted) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderCallError(this.name, 'transient', redact(`fal call failed: ${message}`, [this.key]));
  }
}

function rewriteHost(baseUrl: string | undefined): RequestMiddleware {
  const base = baseUrl?.replace(/\/+$/, '');
  return async (request) => {
    const host =
      base === undefined ? undefined : FAL_HOSTS.find((candidate) => request.url.startsWith(`${candidate}/`));
    return host === undefined ? request : { ...request, url: `${base}${request.url.slice(host.length)}` };
  };
}

/** fal errors are `{ detail: string | [{ msg }] }` or `{ message }`; anything else is shown as text. */
function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { detail?: unknown; message?: unknown };
    if (typeof parsed.detail === 'string') return parsed.detail;
    if (Array.isArray(parsed.detail))
      return parsed.detail.map((d: { msg?: unknown }) => String(d?.msg ?? '')).join('; ');
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: the raw text says as much as we have.
  }
  return body.slice(0, 200);
}
