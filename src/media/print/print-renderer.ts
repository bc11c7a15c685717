import { performance } from 'node:perf_hooks';
import { DomainError } from '../../common/domain-error';
import { producePrintAssets, type PrintAssets } from './print-assets';
import type { PrintPlan } from './print-size';
import type { PrintPdfMeta } from './render-pdf';

export interface PrintRenderLimits {
  /** Renders at once in this process. */
  readonly concurrency: number;
  /** Callers that may wait for a render beyond those. */
  readonly queueLength: number;
}

export type ProducePrint = (source: Buffer, plan: PrintPlan, meta: PrintPdfMeta) => Promise<PrintAssets>;

/** A place among the renders of this process: render in it, then release it (once, always). */
export interface RenderSlot {
  render(source: Buffer, plan: PrintPlan, meta: PrintPdfMeta): Promise<PrintAssets>;
  release(): void;
}

/** Until renders have been timed, a guess at one (a 24 in print takes about a second of CPU). */
const FIRST_ESTIMATE_MS = 2_000;
/** Weight of the newest render in the running estimate of a render's time. */
const ESTIMATE_WEIGHT = 0.3;

/**
 * The process-wide bound on print work: at most `concurrency` renders at once, each holding one
 * libuv thread and up to a few hundred MB of output, and a short FIFO queue behind them. A caller
 * beyond the queue is refused at once (503 `print_busy`, with the seconds the work ahead should
 * take) before anything is written, rather than piling up requests that each cost a minute of CPU.
 */
export class PrintRenderer {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private estimateMs = FIRST_ESTIMATE_MS;

  constructor(
    private readonly limits: PrintRenderLimits,
    private readonly produce: ProducePrint = producePrintAssets,
  ) {}

  /** A slot now, or after the renders ahead of it when the queue has room; otherwise `print_busy`. */
  async acquire(): Promise<RenderSlot> {
    if (this.running < this.limits.concurrency) {
      this.running++;
      return this.slot();
    }
    if (this.waiting.length >= this.limits.queueLength) {
      const retryAfterSeconds = this.secondsForWorkAhead();
      throw new DomainError(
        'print_busy',
        `${this.running} prints are rendering and ${this.waiting.length} waiting, the most this server takes on; ` +
          `nothing was recorded. Retry in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    }
    // The releasing slot hands its place over, so `running` stays as it is.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.slot();
  }

  /** Renders running and callers waiting now (for logs and tests). */
  load(): { readonly running: number; readonly waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private slot(): RenderSlot {
    let released = false;
    return {
      render: async (source, plan, meta) => {
        const started = performance.now();
        try {
          return await this.produce(source, plan, meta);
        } finally {
          const tookMs = performance.now() - started;
          this.estimateMs = this.estimateMs * (1 - ESTIMATE_WEIGHT) + tookMs * ESTIMATE_WEIGHT;
        }
      },
      release: () => {
        if (released) return;
        released = true;
        const next = this.waiting.shift();
        if (next) next();
        else this.running--;
      },
    };
  }

  private secondsForWorkAhead(): number {
    const renders = this.running + this.waiting.length;
    return Math.max(1, Math.ceil((renders * this.estimateMs) / this.limits.concurrency / 1000));
  }
}
