import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class RebuildProjectionsBody {
  @ApiPropertyOptional({
    example: true,
    description: 'After rebuilding, replay each projection again into scratch tables and compare row by row',
  })
  @IsOptional()
  @IsBoolean({ message: 'verify must be a boolean' })
  verify?: boolean;
}
