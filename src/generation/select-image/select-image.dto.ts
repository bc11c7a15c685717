import { HasAtMostDecimals } from '../../common/http/decimals';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, Max, Min } from 'class-validator';

export class SelectImageBody {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 240,
    example: 72,
    description: 'Default: 24, or from heightInches and the image aspect',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'widthInches must be a number' })
  @HasAtMostDecimals(2)
  @Min(1, { message: 'widthInches must be at least 1' })
  @Max(240, { message: 'widthInches must be at most 240' })
  widthInches?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 240,
    example: 36,
    description: 'Default: from widthInches and the image aspect',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'heightInches must be a number' })
  @HasAtMostDecimals(2)
  @Min(1, { message: 'heightInches must be at least 1' })
  @Max(240, { message: 'heightInches must be at most 240' })
  heightInches?: number;
}
