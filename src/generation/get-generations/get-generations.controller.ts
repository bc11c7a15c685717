import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CurrentUser } from '../../common/http/auth';
import { DomainError } from '../../common/domain-error';
import { Database } from '../../database/database';
import { toGenerationView, type GenerationRow } from '../generation-view';

export class ListGenerationsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor is not a cursor this service issued' })
  cursor?: string;
}

export class GenerationIdParams {
  @Matches(/^gen_[A-Za-z0-9_-]{1,64}$/, { message: 'id must be a generation id (gen_...)' })
  id!: string;
}

@ApiTags('generations')
@ApiBearerAuth('user-jwt')
@ApiSecurity('dev-user')
@Controller('v1/generations')
export class GetGenerationsController {
  constructor(private readonly database: Database) {}

  @Get(':id')
  @ApiOperation({ summary: 'One of your generations (others get 404)' })
  async one(@CurrentUser() userId: string, @Param() { id }: GenerationIdParams) {
    const [row] = await this.database.query<GenerationRow>('SELECT * FROM generations WHERE id = $1 AND user_id = $2', [
      id,
      userId,
    ]);
    if (!row) throw new DomainError('not_found', `No generation ${id}`);
    return toGenerationView(row);
  }

  @Get()
  @ApiOperation({ summary: 'Your generations, newest first, a page at a time' })
  async list(@CurrentUser() userId: string, @Query() query: ListGenerationsQuery) {
    const limit = query.limit ?? 20;
    const after = query.cursor ? decodeCursor(query.cursor) : null;
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
