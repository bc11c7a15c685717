import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Database, type Sql } from '../../../database/database';
import type { CachedImage } from './prompt-cache.table';

/**
 * The prompt-cache entries of these keys (any order; keys without an entry are left out). `sql`:
 * read in this open transaction (what it has not committed yet included).
 */
export class FindCachedImages extends Query<CachedImage[]> {
  constructor(
    readonly cacheKeys: readonly string[],
    readonly sql?: Sql,
  ) {
    super();
  }
}

@QueryHandler(FindCachedImages)
export class FindCachedImagesHandler implements IQueryHandler<FindCachedImages, CachedImage[]> {
  constructor(private readonly database: Database) {}

  execute(query: FindCachedImages): Promise<CachedImage[]> {
    return (query.sql ?? this.database).query<CachedImage>(
      'SELECT * FROM prompt_cache WHERE cache_key = ANY($1::text[])',
      [query.cacheKeys],
    );
  }
}
