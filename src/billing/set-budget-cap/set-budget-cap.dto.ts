import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, Max, Min, ValidateIf } from 'class-validator';
import { HasAtMostDecimals } from '../../common/http/decimals';

/** Every field is optional: one left out keeps its current value. */
export class SetBudgetBody {
  @ApiPropertyOptional({
    example: 150,
    description: 'Soft cap in USD: Premium is downgraded to Standard beyond it. Left out: kept as it is',
  })
  @ValidateIf((_, value) => value !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @HasAtMostDecimals(6)
  @Min(0)
  @Max(1_000_000_000)
  capUsd?: number;

  @ApiPropertyOptional({
    example: 200,
    nullable: true,
    description:
      'Hard cap in USD: no provider call beyond it (billed + held + unknown). Left out: kept as it is (including one from BUDGET_HARD_CAP_USD); null removes it',
  })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @HasAtMostDecimals(6)
  @Min(0)
  @Max(1_000_000_000)
  hardCapUsd?: number | null;
}
