import { Inject } from '@nestjs/common';
import { CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/domain-error';
import { EventStore } from '../../event-store/event-store';
import { MediaStorage } from '../../media/storage/media-storage';
import { planPrint, producePrintAssets, type PrintPlan } from '../../media/print';
import { generationImageKey } from '../generation-image-key';
import { handleGenerationCommand } from '../generation-stream';
import { GetGeneration } from '../read-models/generations/generations.queries';
import { FindSelection } from '../read-models/selections/find-selection.query';
import { toSelectionView, type SelectionRow, type SelectionView } from '../read-models/selections/selection-view';
import { SelectImage } from './select-image.command';

/**
 * Idempotent per (generation, size): the files have stable keys, so a retry overwrites rather than
 * duplicates, and a repeated selection answers from the selections read model.
 */
@CommandHandler(SelectImage)
export class SelectImageHandler implements ICommandHandler<SelectImage, SelectionView> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly media: MediaStorage,
    private readonly queryBus: QueryBus,
  ) {}

  async execute({ userId, generationId, size, requestId }: SelectImage): Promise<SelectionView> {
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
      maxPixels: this.config.printMaxPixels,
    });
    const existing = await this.find(generationId, plan);
    if (existing) return toSelectionView(generationId, existing);

    // A cache hit shows the image of the generation it reused; that one's file is the source.
    const source = await this.media.get(
      generationImageKey(generation.source_generation_id ?? generation.id, generation.image.mimeType),
    );
    if (!source)
      throw new DomainError('not_found', `The image of generation ${generationId} is no longer in media storage`);
    const assets = await producePrintAssets(source.bytes, plan, {
      title: generation.prompt,
      createdAt: new Date(generation.created_at),
    });
    const base = `prints/${generationId}/${plan.widthPx}x${plan.heightPx}`;
    const [image, pdf] = await Promise.all([
      this.media.put(`${base}.jpg`, assets.image.bytes, 'image/jpeg'),
      this.media.put(`${base}.pdf`, assets.pdf.bytes, 'application/pdf'),
    ]);
    const { newEvents } = await handleGenerationCommand(
      this.store,
      {
        type: 'SelectPrint',
        data: {
          generationId,
          userId,
          widthInches: plan.widthInches,
          heightInches: plan.heightInches,
          dpi: plan.dpi,
          printImage: {
            url: image.url,
            publicId: image.publicId,
            bytes: image.bytes,
            width: plan.widthPx,
            height: plan.heightPx,
            mimeType: 'image/jpeg',
          },
          pdf: {
            url: pdf.url,
            publicId: pdf.publicId,
            bytes: pdf.bytes,
            widthInches: plan.widthInches,
            heightInches: plan.heightInches,
            pages: 1,
          },
          selectedAt: this.clock.now().toISOString(),
        },
      },
      // Two identical selections racing: the second waits, then finds the size produced and records nothing.
      { lockStream: true, metadata: { userId, actor: `user:${userId}`, requestId, correlationId: generationId } },
    );
    const produced = newEvents.find((event) => event.type === 'PrintAssetsProduced');
    if (produced)
      return toSelectionView(generationId, {
        print_image: produced.data.printImage,
        pdf: produced.data.pdf,
        dpi: plan.dpi,
      });
    const raced = await this.find(generationId, plan);
    if (!raced) throw new Error(`The selection of ${generationId} at ${base} is recorded but not in its read model`);
    return toSelectionView(generationId, raced);
  }

  private find(generationId: string, plan: PrintPlan): Promise<SelectionRow | undefined> {
    return this.queryBus.execute(new FindSelection(generationId, plan.widthPx, plan.heightPx));
  }
}
