import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain-error';
import { Database } from '../../../database/database';
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

/** A user's generations, newest first, a page at a time (`cursor`: the previous page's `nextCursor`). */
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
    const after = cursor ? decodeCursor(cursor) : null;
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
      nextCursor: rows.length > limit && last ? encodeCursor(new Date(last.created_at).toISOString(), last.id) : null,
    };
  }
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof createdAt !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(createdAt)))
      throw new Error('shape');
    return { createdAt, id };
  } catch {
    throw new DomainError('validation_failed', 'cursor is not a cursor this service issued', {
      errors: [{ field: 'cursor', message: 'is not a cursor this service issued' }],
    });
  }
}
