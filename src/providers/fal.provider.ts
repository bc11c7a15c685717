import { createFalClient, type CompletedQueueStatus, type FalClient, type RequestMiddleware } from '@fal-ai/client';
import { downloadImage, inspectImage } from './image-bytes';
import type { GenerateParams, GeneratedImage, ImageProvider, ImageSize, PriceParams } from './domain/image-provider';
import { falImageSize } from './domain/image-sizes';
import { falPriceMicros, isPricedFalModel, type PRICE_TABLE } from './domain/pricing';
import type { CallOutcome } from './domain/provider-call';
import { ProviderCallError, networkFailureOutcome, parseRetryAfter, redact } from './provider-error';
import { createNodeHttpFetch } from './node-http-fetch';

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
/** The client's own default; Flux schnell finishes in about a second. */
const POLL_INTERVAL_MS = 500;
const CANCEL_TIMEOUT_MS = 5_000;

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
   *
   * The queue steps are taken one by one because each says what a failure costs: a refused submit
   * is not billed; once the job is accepted it may run (unknown), and a cancel is sent if we stop
   * waiting; once fal reports it COMPLETED without an error the image is made and billed, so a
   * failed result fetch or download is a billed failure.
   */
  async generate(params: GenerateParams): Promise<GeneratedImage> {
    const { signal } = params;
    const prompt = params.style === null ? params.prompt : `${params.prompt}, style: ${params.style}`;
    let requestId: string;
    try {
      const queued = await this.client.queue.submit(this.model, {
        input: { prompt, image_size: this.size(params), num_images: 1, output_format: 'png' },
        abortSignal: signal,
      });
      requestId = queued.request_id;
    } catch (error) {
      throw this.toProviderError(error, signal);
    }
    params.onRequestId?.(requestId);
    const cancelIfAbandoned = () => this.cancel(requestId);
    signal?.addEventListener('abort', cancelIfAbandoned, { once: true });
    let done: CompletedQueueStatus & { error?: unknown };
    try {
      done = await this.client.queue.subscribeToStatus(this.model, {
        requestId,
        mode: 'polling',
        pollInterval: POLL_INTERVAL_MS,
        abortSignal: signal,
      });
    } catch (error) {
      throw this.accepted(this.toProviderError(error, signal), 'unknown', requestId);
    } finally {
      signal?.removeEventListener('abort', cancelIfAbandoned);
    }
    const jobSucceeded = done.error === undefined || done.error === null;
    let result: { data: FalImageOutput; requestId: string };
    try {
      result = await this.client.queue.result(this.model, { requestId, abortSignal: signal });
    } catch (error) {
      const failure = this.toProviderError(error, signal);
      // A job that failed on fal's side answers its result with its own error status.
      throw this.accepted(failure, jobSucceeded ? 'billed' : undefined, requestId);
    }
    try {
      const url = result.data?.images?.[0]?.url;
      if (typeof url !== 'string') {
        throw new ProviderCallError(this.name, 'transient', 'fal answered without an image URL', { outcome: 'billed' });
      }
      const bytes = await downloadImage(url, signal, this.name, [this.key]);
      const facts = await inspectImage(bytes, this.name);
      return { bytes, ...facts, model: this.model, provider: this.name, providerRequestId: requestId };
    } catch (error) {
      throw this.accepted(error, 'billed', requestId);
    }
  }

  /** A failure after fal accepted the job: it carries the job's id and, when known, what it costs. */
  private accepted(error: unknown, outcome: CallOutcome | undefined, requestId: string): unknown {
    if (!(error instanceof ProviderCallError)) return error;
    const known = outcome ?? (error.outcome === 'not_billed' ? 'not_billed' : 'unknown');
    return error.withOutcome(known, requestId);
  }

  /** Best effort, so a queued job we stopped waiting for is not run and billed; its answer changes nothing. */
  private cancel(requestId: string): void {
    this.client.queue
      .cancel(this.model, { requestId, abortSignal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) })
      .catch(() => undefined);
  }

  /**
   * The client retries 429/5xx and network errors on its own (up to 5 times per poll), which
   * would hide them from our retry and breaker policy. Failing with an error type it does not
   * recognise switches that off, and keeps Retry-After, which its own errors drop.
   */
  private readonly http = createNodeHttpFetch();

  private readonly fetchOrFail = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let response: Response;
    try {
      response = await this.http(input, init);
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new ProviderCallError(this.name, 'transient', redact(`fal request failed${cause}`, [this.key]), {
        outcome: networkFailureOutcome(error),
      });
    }
    if (response.ok) return response;
    const detail = await response.text().catch(() => '');
    throw ProviderCallError.fromStatus(
      this.name,
      response.status,
      redact(`fal answered ${response.status}: ${errorDetail(detail)}`, [this.key]),
      {
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
        requestId: response.headers.get('x-fal-request-id') ?? undefined,
      },
    );
  };

  private toProviderError(error: unknown, signal: AbortSignal | undefined): unknown {
    if (error instanceof ProviderCallError || signal?.aborted) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderCallError(this.name, 'transient', redact(`fal call failed: ${message}`, [this.key]), {
      outcome: 'unknown',
    });
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
