import { randomInt, randomUUID } from 'node:crypto';
import { FakeImageProvider, type WorkFault } from './fake-image-provider';
import {
  colourFor,
  IMAGE_CONTENT_TYPES,
  jsonReply,
  solidImage,
  type FakeReply,
  type FakeRequest,
  type Fault,
  type FaultScope,
} from './fake-server';

/**
 * `job-error`: the next submitted job is accepted but fails; its result answers with fal's error.
 * Work faults (`work-then-drop`, `work-then-late`) hit the fetch of a completed job's result.
 */
export type FalFault = Fault | WorkFault | { kind: 'job-error'; status?: number; detail?: string; errorType?: string };

export interface FakeFalOptions {
  readonly key: string;
  readonly port?: number;
  readonly latencyMs?: number;
  /** Time from submit to COMPLETED; the first half is IN_QUEUE, the second IN_PROGRESS. */
  readonly queueDelayMs?: number;
}

const PRESET_SIZES: Readonly<Record<string, readonly [number, number]>> = {
  square_hd: [1024, 1024],
  square: [512, 512],
  portrait_4_3: [768, 1024],
  portrait_16_9: [576, 1024],
  landscape_4_3: [1024, 768],
  landscape_16_9: [1024, 576],
};
const MAX_SIDE = 14142;
const JOB_RETENTION_MS = 3_600_000;

interface JobFailure {
  readonly status: number;
  readonly body: object;
  readonly errorType?: string;
}

interface Job {
  readonly id: string;
  readonly appId: string;
  readonly endpoint: string;
  readonly input: unknown;
  readonly seed: number;
  readonly submittedAt: number;
  readonly delayMs: number;
  readonly injectedFailure?: JobFailure;
  cancelled: boolean;
  billed: boolean;
}

interface ValidInput {
  readonly prompt: string;
  readonly width: number;
  readonly height: number;
  readonly numImages: number;
  readonly format: 'jpeg' | 'png';
}

type ValidationIssue = { loc: Array<string | number>; msg: string; type: string };

/**
 * fal's queue API (`queue.fal.run`) for Flux text-to-image apps. The official client never reads
 * `status_url`/`response_url`: it rebuilds them from the endpoint id with only owner and app
 * (`/fal-ai/flux/requests/{id}/status?logs=0`), so both forms are served.
 *
 * A job is billed when it completes successfully, whether or not anyone fetches its result; a
 * job cancelled before it completes, failed by a fault, or refused by validation is not.
 */
export class FakeFal extends FakeImageProvider<FalFault> {
  private readonly jobs = new Map<string, Job>();
  private queueDelayMs: number;

  constructor(private readonly config: FakeFalOptions) {
    super(config);
    this.queueDelayMs = config.queueDelayMs ?? 0;
  }

  setQueueDelay(ms: number): void {
    if (!(ms >= 0)) throw new Error(`queue delay must be >= 0 ms, got ${ms}`);
    this.queueDelayMs = ms;
  }

  protected scopeOf(req: FakeRequest): FaultScope {
    return req.path.startsWith('/files/') ? 'media' : 'api';
  }

  protected override resetState(): void {
    this.jobs.clear();
    this.queueDelayMs = this.config.queueDelayMs ?? 0;
  }

  protected errorReply(status: number): FakeReply {
    const [detail, errorType] =
      status === 401
        ? ['No user found for Key ID and Secret', undefined]
        : status === 429
          ? ['Too many requests: the concurrent request limit was exceeded', undefined]
          : status === 502
            ? ['The runner sent an incomplete response', 'runner_incomplete_response']
            : status === 503
              ? ['No runner could be allocated to handle the request', 'runner_scheduling_failure']
              : status === 504
                ? ['Request timed out', 'request_timeout']
                : status >= 500
                  ? ['Internal Server Error', 'internal_error']
                  : [`Request failed with status ${status}`, undefined];
    return falError(status, errorType ? { detail, error_type: errorType } : { detail }, errorType);
  }

  protected async handle(req: FakeRequest): Promise<FakeReply> {
    const segments = req.path.split('/').filter(Boolean);
    if (req.method === 'GET' && segments[0] === 'files' && segments.length === 3)
      return this.serveFile(segments[1]!, segments[2]!);
    const key = /^Key (.+)$/.exec(req.headers.authorization ?? '')?.[1]?.trim();
    if (!key) return falError(401, { detail: 'Authentication is required to access this application.' });
    if (key !== this.config.key) return this.errorReply(401);
    if (segments[2] === 'requests' && segments.length >= 4) {
      const job = this.jobs.get(segments[3]!);
      const appId = `${segments[0]}/${segments[1]}`;
      if (!job || job.appId !== appId) return falError(404, { detail: 'Request not found' });
      const action = segments.slice(4).join('/');
      if (req.method === 'GET' && action === 'status') return this.status(job, req.query.get('logs') === '1');
      if (req.method === 'GET' && action === '') return this.result(job);
      if (req.method === 'PUT' && action === 'cancel') return this.cancel(job);
    } else if (req.method === 'POST' && segments.length >= 2) {
      return this.submit(req, segments);
    }
    return falError(404, { detail: 'Not Found' });
  }

  private submit(req: FakeRequest, segments: string[]): FakeReply {
    if (req.invalidJson) return falError(400, { detail: 'Request body is not valid JSON' });
    const fault = this.takeFault('api', (f) => f.kind === 'job-error');
    const injectedFailure = fault?.kind === 'job-error' ? jobErrorFrom(fault) : undefined;
    this.forgetOldJobs();
    const input = req.json ?? {};
    const seed = isRecord(input) && Number.isInteger(input.seed) ? (input.seed as number) : randomInt(0, 2 ** 31);
    const job: Job = {
      id: randomUUID(),
      appId: `${segments[0]}/${segments[1]}`,
      endpoint: segments.join('/'),
      input,
      seed,
      submittedAt: Date.now(),
      delayMs: this.queueDelayMs,
      injectedFailure,
      cancelled: false,
      billed: false,
    };
    this.jobs.set(job.id, job);
    this.billWhenDone(job);
    return falJson(200, { status: 'IN_QUEUE', ...this.links(job), queue_position: 0 }, job.id);
  }

  private status(job: Job, withLogs: boolean): FakeReply {
    const phase = this.phase(job);
    if (phase === 'COMPLETED') this.completeIfDue(job);
    const logs = withLogs ? [] : null;
    if (phase === 'IN_QUEUE')
      return falJson(202, { status: phase, ...this.links(job), queue_position: 0, logs }, job.id);
    if (phase === 'IN_PROGRESS') {
      const progress = {
        message: 'Generating image',
        level: 'INFO',
        source: 'USER',
        timestamp: new Date().toISOString(),
      };
      return falJson(202, { status: phase, ...this.links(job), logs: withLogs ? [progress] : null }, job.id);
    }
    const failure = this.failureOf(job);
    const outcome = failure
      ? {
          error: String((failure.body as { detail?: unknown }).detail ?? 'Request failed'),
          error_type: failure.errorType ?? null,
        }
      : {};
    return falJson(
      200,
      { status: phase, ...this.links(job), logs, metrics: { inference_time: job.delayMs / 2000 }, ...outcome },
      job.id,
    );
  }

  private result(job: Job): FakeReply {
    if (this.phase(job) !== 'COMPLETED') return falJson(400, { detail: 'Request is still in progress' }, job.id);
    const failure = this.failureOf(job);
    if (failure) return falError(failure.status, failure.body, failure.errorType, job.id);
    this.completeIfDue(job);
    const input = validate(job.input, job.endpoint) as ValidInput;
    const ext = input.format;
    const images = Array.from({ length: input.numImages }, (_, index) => ({
      url: `${this.url}/files/${job.id}/${index}.${ext}`,
      width: input.width,
      height: input.height,
      content_type: IMAGE_CONTENT_TYPES[ext],
    }));
    return this.afterWork(
      falJson(
        200,
        {
          images,
          timings: { inference: job.delayMs / 2000 },
          seed: job.seed,
          has_nsfw_concepts: images.map(() => false),
          prompt: input.prompt,
        },
        job.id,
      ),
    );
  }

  private billWhenDone(job: Job): void {
    const remaining = job.submittedAt + job.delayMs - Date.now();
    // A timer may fire a millisecond before the wall clock says the job is done.
    if (remaining > 0 && !job.cancelled) void this.sleep(remaining).then(() => this.billWhenDone(job));
    else this.completeIfDue(job);
  }

  /** Bills a job once, when it has run to success: on its completion timer, or when first seen completed. */
  private completeIfDue(job: Job): void {
    if (job.billed || this.jobs.get(job.id) !== job || this.phase(job) !== 'COMPLETED' || this.failureOf(job)) return;
    job.billed = true;
    const input = validate(job.input, job.endpoint) as ValidInput;
    for (let i = 0; i < input.numImages; i += 1) {
      this.charge({ requestId: job.id, model: job.endpoint, width: input.width, height: input.height });
    }
  }

  private cancel(job: Job): FakeReply {
    if (this.phase(job) === 'COMPLETED') {
      this.completeIfDue(job);
      return falJson(400, { status: 'ALREADY_COMPLETED' }, job.id);
    }
    job.cancelled = true;
    return falJson(202, { status: 'CANCELLATION_REQUESTED' }, job.id);
  }

  private async serveFile(jobId: string, file: string): Promise<FakeReply> {
    const job = this.jobs.get(jobId);
    const match = /^(\d+)\.(jpeg|png)$/.exec(file);
    const input =
      job && this.phase(job) === 'COMPLETED' && !this.failureOf(job)
        ? (validate(job.input, job.endpoint) as ValidInput)
        : undefined;
    const index = Number(match?.[1]);
    if (!input || !match || match[2] !== input.format || index >= input.numImages) {
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
    }
    const bytes = await solidImage(
      input.width,
      input.height,
      input.format,
      colourFor(index === 0 ? input.prompt : `${input.prompt}#${index}`),
    );
    return { status: 200, headers: { 'content-type': IMAGE_CONTENT_TYPES[input.format]! }, body: bytes };
  }

  private phase(job: Job): 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' {
    const elapsed = Date.now() - job.submittedAt;
    if (job.cancelled || elapsed >= job.delayMs) return 'COMPLETED';
    return elapsed < job.delayMs / 2 ? 'IN_QUEUE' : 'IN_PROGRESS';
  }

  /** Like fal, a bad input is accepted by the queue and fails when the model runs. */
  private failureOf(job: Job): JobFailure | undefined {
    if (job.cancelled)
      return {
        status: 499,
        body: { detail: 'Request was cancelled', error_type: 'client_cancelled' },
        errorType: 'client_cancelled',
      };
    if (job.injectedFailure) return job.injectedFailure;
    const issues = validate(job.input, job.endpoint);
    return Array.isArray(issues) ? { status: 422, body: { detail: issues } } : undefined;
  }

  private links(job: Job): { request_id: string; response_url: string; status_url: string; cancel_url: string } {
    const base = `${this.url}/${job.appId}/requests/${job.id}`;
    return { request_id: job.id, response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
  }

  private forgetOldJobs(): void {
    const cutoff = Date.now() - JOB_RETENTION_MS;
    for (const [id, job] of this.jobs) {
      if (job.submittedAt >= cutoff) break;
      this.jobs.delete(id);
    }
  }
}

export async function startFakeFal(options: FakeFalOptions): Promise<FakeFal> {
  return new FakeFal(options).listen();
}

/** Pydantic-style checks of the Flux text-to-image input; returns the issues or the normalised input. */
function validate(input: unknown, endpoint: string): ValidInput | ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const body = isRecord(input) ? input : {};
  const issue = (field: string, msg: string, type: string): void =>
    void issues.push({ loc: ['body', field], msg, type });
  const prompt = body.prompt;
  if (prompt === undefined) issue('prompt', 'Field required', 'missing');
  else if (typeof prompt !== 'string') issue('prompt', 'Input should be a valid string', 'string_type');
  let [width, height] = PRESET_SIZES.landscape_4_3!;
  const size = body.image_size;
  if (typeof size === 'string') {
    const preset = PRESET_SIZES[size];
    if (preset) [width, height] = preset;
    else
      issue(
        'image_size',
        `Input should be ${Object.keys(PRESET_SIZES)
          .map((p) => `'${p}'`)
          .join(', ')} or an object with width and height`,
        'enum',
      );
  } else if (isRecord(size)) {
    const w = size.width ?? 512;
    const h = size.height ?? 512;
    if (!isIntIn(w, 1, MAX_SIDE) || !isIntIn(h, 1, MAX_SIDE))
      issue('image_size', `width and height should be integers from 1 to ${MAX_SIDE}`, 'value_error');
    else [width, height] = [w as number, h as number];
  } else if (size !== undefined) {
    issue('image_size', 'Input should be a preset name or an object with width and height', 'model_type');
  }
  const numImages = body.num_images ?? 1;
  if (!isIntIn(numImages, 1, 4)) issue('num_images', 'Input should be an integer from 1 to 4', 'value_error');
  const maxSteps = endpoint.endsWith('/schnell') ? 12 : 50;
  if (body.num_inference_steps !== undefined && !isIntIn(body.num_inference_steps, 1, maxSteps)) {
    issue('num_inference_steps', `Input should be an integer from 1 to ${maxSteps}`, 'value_error');
  }
  const format = body.output_format ?? 'jpeg';
  if (format !== 'jpeg' && format !== 'png') issue('output_format', "Input should be 'jpeg' or 'png'", 'enum');
  if (body.enable_safety_checker !== undefined && typeof body.enable_safety_checker !== 'boolean') {
    issue('enable_safety_checker', 'Input should be a valid boolean', 'bool_type');
  }
  if (issues.length > 0) return issues;
  return { prompt: prompt as string, width, height, numImages: numImages as number, format: format as 'jpeg' | 'png' };
}

function jobErrorFrom(fault: Extract<FalFault, { kind: 'job-error' }>): JobFailure {
  const errorType = fault.errorType ?? 'runner_server_error';
  return {
    status: fault.status ?? 500,
    body: { detail: fault.detail ?? 'The runner encountered an internal server error', error_type: errorType },
    errorType,
  };
}

function falJson(status: number, body: object, requestId: string): FakeReply {
  return jsonReply(status, body, { 'x-fal-request-id': requestId });
}

function falError(status: number, body: object, errorType?: string, requestId?: string): FakeReply {
  const headers: Record<string, string> = {};
  if (errorType) headers['x-fal-error-type'] = errorType;
  if (requestId) headers['x-fal-request-id'] = requestId;
  return jsonReply(status, body, headers);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
