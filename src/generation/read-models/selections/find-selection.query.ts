import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Database } from '../../../database/database';
import type { SelectionRow } from './selection-view';

/** The print assets already produced for a generation at this pixel size, if any. */
export class FindSelection extends Query<SelectionRow | undefined> {
  constructor(
    readonly generationId: string,
    readonly widthPx: number,
    readonly heightPx: number,
  ) {
    super();
  }
}

@QueryHandler(FindSelection)
export class FindSelectionHandler implements IQueryHandler<FindSelection, SelectionRow | undefined> {
  constructor(private readonly database: Database) {}

  async execute(query: FindSelection): Promise<SelectionRow | undefined> {
    const [row] = await this.database.query<SelectionRow>(
      'SELECT print_image, pdf, dpi FROM selections WHERE generation_id = $1 AND width_px = $2 AND height_px = $3',
      [query.generationId, query.widthPx, query.heightPx],
    );
    return row;
  }
}
