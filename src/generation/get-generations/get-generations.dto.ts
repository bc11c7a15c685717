import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min, ValidateBy } from 'class-validator';
import { decodeGenerationCursor } from '../read-models/generations/generation-cursor';

const IsGenerationCursor = () =>
  ValidateBy({
    name: 'isGenerationCursor',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && decodeGenerationCursor(value) !== undefined,
      defaultMessage: () => 'cursor is not a cursor this service issued',
    },
  });

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
  @IsGenerationCursor()
  cursor?: string;
}

export class GenerationIdParams {
  @ApiProperty({ example: 'gen_0123456789abcdef', pattern: '^gen_[A-Za-z0-9_-]{1,64}$' })
  @Matches(/^gen_[A-Za-z0-9_-]{1,64}$/, { message: 'id must be a generation id (gen_...)' })
  id!: string;
}
