import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Database } from '../../../database/database';
import { decodeGenerationCursor, encodeGenerationCursor } from './generation-cursor';
import { toGenerationView, type GenerationRow, type GenerationView } from './generation-view';

/** One of a user's generations as stored (another user's is not found). */
export class GetGeneration extends Query<GenerationRow | undefined> {
  constructor(
    readonly generationId: string,
    readonly userId: string,
  ) {
    super();
  }
}

export interface GenerationPage {
  readonly items: GenerationView[];
  readonly nextCursor: string | null;
}

/**
 * A user's generations, newest first, a page at a time (`cursor`: the previous page's `nextCursor`,
 * checked at the edge; one that does not decode starts from the newest).
 */
export class ListGenerations extends Query<GenerationPage> {
  constructor(
    readonly userId: string,
    readonly limit: number,
    readonly cursor?: string,
  ) {
    super();
  }
}

@QueryHandler(GetGeneration)
export class GetGenerationHandler implements IQueryHandler<GetGeneration, GenerationRow | undefined> {
  constructor(private readonly database: Database) {}

  async execute(query: GetGeneration): Promise<GenerationRow | undefined> {
    const [row] = await this.database.query<GenerationRow>('SELECT * FROM generations WHERE id = $1 AND user_id = $2', [
      query.generationId,
      query.userId,
    ]);
    return row;
  }
}

@QueryHandler(ListGenerations)
export class ListGenerationsHandler implements IQueryHandler<ListGenerations, GenerationPage> {
  constructor(private readonly database: Database) {}

  async execute({ userId, limit, cursor }: ListGenerations): Promise<GenerationPage> {
    const after = cursor ? (decodeGenerationCursor(cursor) ?? null) : null;
    const rows = await this.database.query<GenerationRow>(
      `SELECT * FROM generations
        WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::text))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [userId, after?.createdAt ?? null, after?.id ?? '', limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toGenerationView),
      nextCursor:
        rows.length > limit && last
          ? encodeGenerationCursor({ createdAt: new Date(last.created_at).toISOString(), id: last.id })
          : null,
    };
  }
}
