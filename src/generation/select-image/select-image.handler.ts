import { Inject } from '@nestjs/common';
import { CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DomainError } from '../../common/domain-error';
import { planPrint, PrintRenderer, type PrintPlan } from '../../media/print';
import type { GenerationRow } from '../read-models/generations/generation-view';
import { GetGeneration } from '../read-models/generations/generations.queries';
import { FindSelection } from '../read-models/selections/find-selection.query';
import { toSelectionView, type SelectionRow, type SelectionView } from '../read-models/selections/selection-view';
import { PrintProduction } from './print-production';
import { PrintRateLimiter } from './print-rate-limiter';
import { PrintSizeClaims } from './print-size-claims';
import { SelectImage } from './select-image.command';

/**
 * Idempotent per (generation, size): the files have stable keys, so a retry overwrites rather than
 * duplicates, and a repeated selection answers from the selections read model.
 *
 * A new size is bounded work: the generation's sizes (409 `print_sizes_exhausted`), the user's
 * selections a minute (429 `rate_limited`) and this process's renders (503 `print_busy`) are
 * checked before anything is written, and the render runs in one of the renderer's few slots.
 */
@CommandHandler(SelectImage)
export class SelectImageHandler implements ICommandHandler<SelectImage, SelectionView> {
  /** Sizes being produced by this process: the same size asked again meanwhile waits for it. */
  private readonly producing = new Map<string, Promise<SelectionView>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queryBus: QueryBus,
    private readonly production: PrintProduction,
    private readonly renderer: PrintRenderer,
    private readonly claims: PrintSizeClaims,
    private readonly rateLimiter: PrintRateLimiter,
  ) {}

  async execute(command: SelectImage): Promise<SelectionView> {
    const { userId, generationId, size } = command;
    const generation = await this.queryBus.execute(new GetGeneration(generationId, userId));
    if (!generation) throw new DomainError('not_found', `No generation ${generationId}`);
    if (generation.status !== 'succeeded' || !generation.image) {
      throw new DomainError(
        'invalid_state',
        `Generation ${generationId} is ${generation.status}: only a succeeded generation can be selected`,
      );
    }
    const plan = planPrint({
      ...size,
      imageWidth: generation.image.width,
      imageHeight: generation.image.height,
      maxPixels: this.config.print.maxPixels,
    });
    const existing = await this.find(generationId, plan);
    if (existing) return toSelectionView(generationId, existing);

    const key = `${generationId}/${plan.widthPx}x${plan.heightPx}`;
    const underway = this.producing.get(key);
    if (underway) return underway;
    const produced = this.produce(command, generation, plan).finally(() => this.producing.delete(key));
    this.producing.set(key, produced);
    return produced;
  }

  private async produce(command: SelectImage, generation: GenerationRow, plan: PrintPlan): Promise<SelectionView> {
    const { userId, generationId } = command;
    await this.claims.check(generationId, plan);
    await this.rateLimiter.hit(`print:${userId}`);
    const slot = await this.renderer.acquire();
    try {
      // The authoritative check, under the generation's lock: replicas may have claimed meanwhile.
      const claimed = await this.claims.claim(generationId, plan);
      if (!claimed) {
        const done = await this.find(generationId, plan);
        if (done) return toSelectionView(generationId, done);
      }
      try {
        return await this.production.renderAndRecord(command, generation, plan, slot);
      } catch (error) {
        // Nothing recorded: the size goes back (if this fails too, it stays, for this size to use).
        if (claimed) await this.claims.release(generationId, plan).catch(() => undefined);
        throw error;
      }
    } finally {
      slot.release();
    }
  }

  private find(generationId: string, plan: PrintPlan): Promise<SelectionRow | undefined> {
    return this.queryBus.execute(new FindSelection(generationId, plan.widthPx, plan.heightPx));
  }
}
