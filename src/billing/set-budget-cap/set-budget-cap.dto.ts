import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, Max, Min, ValidateIf } from 'class-validator';
import { HasAtMostDecimals } from '../../common/http/decimals';

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
