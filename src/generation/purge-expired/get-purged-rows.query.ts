import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { PurgedRows } from './purge-expired.command';
import { PurgedRowsTally } from './purged-rows';

/** Rows the retention job of this process has deleted since it started, by table. */
export class GetPurgedRows extends Query<PurgedRows> {}

@QueryHandler(GetPurgedRows)
export class GetPurgedRowsHandler implements IQueryHandler<GetPurgedRows, PurgedRows> {
  constructor(private readonly tally: PurgedRowsTally) {}

  execute(): Promise<PurgedRows> {
    return Promise.resolve(this.tally.totals());
  }
}
