import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/domain-error';
import { EventStore } from '../../event-store/event-store';
import { MediaStorage } from '../../media/storage/media-storage';
import type { PrintPlan, RenderSlot } from '../../media/print';
import { generationImageKey } from '../generation-image-key';
import { handleGenerationCommand } from '../generation-stream';
import type { GenerationRow } from '../read-models/generations/generation-view';
import { FindSelection } from '../read-models/selections/find-selection.query';
import { toSelectionView, type SelectionView } from '../read-models/selections/selection-view';
import type { SelectImage } from './select-image.command';

/**
 * A claimed print size made real: the source image rendered in a slot the caller holds, the print
 * image and PDF stored under stable keys, and `PrintAssetsProduced` recorded on the generation's
 * stream (or, when another replica recorded the size first, its selection read back).
 */
@Injectable()
export class PrintProduction {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly media: MediaStorage,
    private readonly queryBus: QueryBus,
  ) {}

  async renderAndRecord(
    { userId, generationId, requestId }: SelectImage,
    generation: GenerationRow,
    plan: PrintPlan,
    slot: RenderSlot,
  ): Promise<SelectionView> {
    const image = generation.image;
    if (!image) throw new Error(`Generation ${generationId} succeeded without an image`);
    // A cache hit shows the image of the generation it reused; that one's file is the source.
    const source = await this.media.get(
      generationImageKey(generation.source_generation_id ?? generation.id, image.mimeType),
    );
    if (!source)
      throw new DomainError('not_found', `The image of generation ${generationId} is no longer in media storage`);
    const assets = await slot.render(source.bytes, plan, {
      title: generation.prompt,
      createdAt: new Date(generation.created_at),
    });
    const base = `prints/${generationId}/${plan.widthPx}x${plan.heightPx}`;
    const [printImage, pdf] = await Promise.all([
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
            url: printImage.url,
            publicId: printImage.publicId,
            bytes: printImage.bytes,
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
      // Selections of one generation append one after another under the stream's lock, never
      // racing for its next position (a lost race would throw away a finished render).
      { lockStream: true, metadata: { userId, actor: `user:${userId}`, requestId, correlationId: generationId } },
    );
    const produced = newEvents.find((event) => event.type === 'PrintAssetsProduced');
    if (produced)
      return toSelectionView(generationId, {
        print_image: produced.data.printImage,
        pdf: produced.data.pdf,
        dpi: plan.dpi,
      });
    const raced = await this.queryBus.execute(new FindSelection(generationId, plan.widthPx, plan.heightPx));
    if (!raced) throw new Error(`The selection of ${generationId} at ${base} is recorded but not in its read model`);
    return toSelectionView(generationId, raced);
  }
}
