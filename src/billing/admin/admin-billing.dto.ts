import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { IsIsoInstant } from '../../common/http/query-values';
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
  @IsIsoInstant()
  at?: string;
}
