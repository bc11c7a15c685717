import type { Sql } from '../../../database/database';
import type { RecordedEvent } from '../../../event-store/event-types';
import type { Projection, ProjectionTable, TableNames } from '../../../event-store/projection';
import type { PrintAssetsProduced } from '../../domain/selection-events';

/** One row per (generation, print size): a repeated selection answers from here. */
export const selectionsTable: ProjectionTable = {
  name: 'selections',
  keyColumns: ['generation_id', 'width_px', 'height_px'],
  createSql: (table) => `
    CREATE TABLE ${table} (
      generation_id text NOT NULL,
      width_px integer NOT NULL,
      height_px integer NOT NULL,
      user_id text NOT NULL,
      width_inches numeric NOT NULL,
      height_inches numeric NOT NULL,
      dpi integer NOT NULL,
      print_image jsonb NOT NULL,
      pdf jsonb NOT NULL,
      selected_at timestamptz NOT NULL,
      PRIMARY KEY (generation_id, width_px, height_px)
    )`,
};

export const selectionsProjection: Projection = {
  name: 'selections',
  kind: 'inline',
  eventTypes: ['PrintAssetsProduced'],
  tables: [selectionsTable],
  async apply(tx: Sql, events: readonly RecordedEvent[], tables: TableNames): Promise<void> {
    for (const event of events) {
      const d = (event as unknown as PrintAssetsProduced).data;
      await tx.query(
        `INSERT INTO ${tables.selections} (generation_id, width_px, height_px, user_id, width_inches, height_inches, dpi, print_image, pdf, selected_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10)
         ON CONFLICT (generation_id, width_px, height_px) DO NOTHING`,
        [
          d.generationId,
          d.printImage.width,
          d.printImage.height,
          d.userId,
          d.widthInches,
          d.heightInches,
          d.dpi,
          JSON.stringify(d.printImage),
          JSON.stringify(d.pdf),
          d.producedAt,
        ],
      );
    }
  },
};
