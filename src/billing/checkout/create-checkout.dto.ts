import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class CreateCheckoutBody {
  @ApiProperty({ minLength: 1, maxLength: 40, example: '10', description: 'A pack id from GET /v1/credits/packs' })
  @IsString()
  @Length(1, 40)
  pack!: string;
}
