import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

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
