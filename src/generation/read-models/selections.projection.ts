import type { Sql } from '../../database/database';
import type { InlineProjection } from '../../event-store/event-store';
import type { RecordedEvent } from '../../event-store/event-types';
import type { PrintAssetsProduced } from '../domain/selection-events';

/** One row per (generation, print size): a repeated selection answers from here. */
export const selectionsProjection: InlineProjection = {
  name: 'selections',
  eventTypes: ['PrintAssetsProduced'],
  async apply(tx: Sql, events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      const d = (event as unknown as PrintAssetsProduced).data;
      await tx.query(
        `INSERT INTO selections (generation_id, width_px, height_px, user_id, width_inches, height_inches, dpi, print_image, pdf, selected_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10)
         ON CONFLICT (generation_id, width_px, height_px) DO NOTHING`,
        [d.generationId, d.printImage.width, d.printImage.height, d.userId, d.widthInches, d.heightInches, d.dpi,
          JSON.stringify(d.printImage), JSON.stringify(d.pdf), d.producedAt],
      );
    }
  },
};
