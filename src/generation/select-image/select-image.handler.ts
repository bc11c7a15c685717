import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/domain-error';
import { Database } from '../../database/database';
import { EventStore } from '../../event-store/event-store';
import { registerInlineOnce } from '../../event-store/projection';
import { MediaStorage } from '../../media/storage/media-storage';
import { planPrint, producePrintAssets, type PrintPlan } from '../../media/print';
import { generationStreamId } from '../domain/generation-events';
import type { PrintAssetsProduced, SelectionEvent } from '../domain/selection-events';
import type { GenerationRow } from '../generation-view';
import { selectionsProjection } from '../read-models/selections.projection';

interface SelectionRow {
  print_image: PrintAssetsProduced['data']['printImage'];
  pdf: PrintAssetsProduced['data']['pdf'];
  dpi: number;
}

/**
 * `POST /v1/generations/{id}/selection`: the chosen image as a 150 DPI print file and a PDF.
 * Idempotent per (generation, size): the files have stable keys, so a retry overwrites rather than
 * duplicates, and a repeated selection answers from the selections read model.
 */
@Injectable()
export class SelectImageHandler {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: EventStore,
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly media: MediaStorage,
  ) {
    registerInlineOnce(store, selectionsProjection);
  }

  async execute(
    userId: string,
    generationId: string,
    size: { widthInches?: number; heightInches?: number },
    requestId: string,
  ) {
    const [generation] = await this.database.query<GenerationRow>(
      'SELECT * FROM generations WHERE id = $1 AND user_id = $2',
      [generationId, userId],
    );
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
    if (existing) return this.view(generationId, existing);

    const source = await this.media.get(sourceKey(generation));
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
    const now = this.clock.now().toISOString();
    const common = {
      generationId,
      userId,
      widthInches: plan.widthInches,
      heightInches: plan.heightInches,
      dpi: plan.dpi,
    };
    const events: SelectionEvent[] = [
      { type: 'ImageSelected', data: { ...common, selectedAt: now } },
      {
        type: 'PrintAssetsProduced',
        data: {
          ...common,
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
          producedAt: now,
        },
      },
    ];
    const row = await this.database.transaction(async (tx) => {
      // Two identical selections racing: the second finds the first's row and appends nothing.
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 2))', [`${generationId}:${base}`]);
      const [raced] = await tx.query<SelectionRow>(
        'SELECT print_image, pdf, dpi FROM selections WHERE generation_id = $1 AND width_px = $2 AND height_px = $3',
        [generationId, plan.widthPx, plan.heightPx],
      );
      if (raced) return raced;
      await this.store.append(generationStreamId(generationId), events, {
        metadata: { userId, actor: `user:${userId}`, requestId, correlationId: generationId },
        tx,
      });
      const produced = events[1] as PrintAssetsProduced;
      return { print_image: produced.data.printImage, pdf: produced.data.pdf, dpi: plan.dpi };
    });
    return this.view(generationId, row);
  }

  private async find(generationId: string, plan: PrintPlan): Promise<SelectionRow | undefined> {
    const [row] = await this.database.query<SelectionRow>(
      'SELECT print_image, pdf, dpi FROM selections WHERE generation_id = $1 AND width_px = $2 AND height_px = $3',
      [generationId, plan.widthPx, plan.heightPx],
    );
    return row;
  }

  private view(generationId: string, row: SelectionRow) {
    return {
      generationId,
      dpi: Number(row.dpi),
      printImage: {
        url: row.print_image.url,
        width: row.print_image.width,
        height: row.print_image.height,
        mimeType: row.print_image.mimeType,
      },
      pdf: {
        url: row.pdf.url,
        widthInches: Number(row.pdf.widthInches),
        heightInches: Number(row.pdf.heightInches),
        pages: row.pdf.pages,
      },
    };
  }
}

/** A cache hit shows the image of the generation it reused; that one's file is the source. */
function sourceKey(generation: GenerationRow): string {
  const mime = generation.image?.mimeType;
  const extension = mime === 'image/jpeg' ? 'jpg' : mime === 'image/webp' ? 'webp' : 'png';
  return `generations/${generation.source_generation_id ?? generation.id}.${extension}`;
}
