import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import {
  ASPECT_RATIOS,
  IMAGE_QUALITIES,
  type AspectRatio,
  type ImageQuality,
} from '../../providers/domain/image-provider';
import type { Tier } from '../../config/app-config';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class GenerateImageBody {
  @ApiProperty({ minLength: 1, maxLength: 2000, example: 'a lighthouse at dawn' })
  @Transform(trim)
  @IsString({ message: 'prompt must be a string' })
  @Length(1, 2000, { message: 'prompt must be 1-2000 characters after trimming' })
  prompt!: string;

  @ApiPropertyOptional({ enum: ASPECT_RATIOS, default: '1:1' })
  @IsOptional()
  @IsIn(ASPECT_RATIOS, { message: `aspectRatio must be one of ${ASPECT_RATIOS.join(', ')}` })
  aspectRatio?: AspectRatio;

  @ApiPropertyOptional({ maxLength: 40, pattern: '^[a-z0-9 -]{1,40}$', example: 'vivid' })
  @IsOptional()
  @IsString({ message: 'style must be a string' })
  @Matches(/^[a-z0-9 -]{1,40}$/, { message: 'style must be up to 40 characters of [a-z0-9 -]' })
  style?: string;

  @ApiPropertyOptional({ enum: IMAGE_QUALITIES, default: 'standard' })
  @IsOptional()
  @IsIn(IMAGE_QUALITIES, { message: 'quality must be standard or hd' })
  quality?: ImageQuality;

  @ApiPropertyOptional({ enum: ['premium', 'standard'], description: 'Default: DEFAULT_TIER (premium)' })
  @IsOptional()
  @IsIn(['premium', 'standard'], { message: 'tier must be premium or standard' })
  tier?: Tier;
}
