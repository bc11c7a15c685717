import { HasAtMostDecimals } from '../../common/http/decimals';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { USER_ID_PATTERN } from '../../common/http/auth';

export class UserIdParams {
  @ApiProperty({ example: 'u1', pattern: USER_ID_PATTERN.source })
  @Matches(USER_ID_PATTERN, { message: 'userId must be 1-128 characters of [A-Za-z0-9._:@-]' })
  userId!: string;
}

export class CreditsAtQuery {
  @ApiPropertyOptional({
    description: 'ISO 8601 instant: the status as it was then, from the events',
    example: '2026-11-25T12:00:00Z',
  })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/, {
    message: 'at must be an ISO 8601 date-time with a time zone',
  })
  at?: string;
}

export class GrantCreditsBody {
  @ApiProperty({ minimum: 1, maximum: 1_000_000, example: 10 })
  @IsInt({ message: 'credits must be an integer' })
  @Min(1)
  @Max(1_000_000)
  credits!: number;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'purchase' })
  @IsString()
  @Length(1, 200)
  reason!: string;

  @ApiPropertyOptional({
    maxLength: 200,
    example: 'pi_123',
    description: 'Idempotency: a second grant with the same externalId changes nothing',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  externalId?: string;
}

export class SetBudgetBody {
  @ApiProperty({ example: 150, description: 'Soft cap in USD: Premium is downgraded to Standard beyond it' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @HasAtMostDecimals(6)
  @Min(0)
  @Max(1_000_000_000)
  capUsd!: number;

  @ApiPropertyOptional({
    example: 200,
    nullable: true,
    description: 'Hard cap in USD: no paid provider call beyond it; null removes it',
  })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @HasAtMostDecimals(6)
  @Min(0)
  @Max(1_000_000_000)
  hardCapUsd?: number | null;
}
