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
const STYLE = /^[a-z0-9 -]{1,40}$/;
const FIELDS: ReadonlySet<string> = new Set(['prompt', 'aspectRatio', 'style', 'quality', 'tier']);
/** Variation selectors do not count towards a length (class-validator's Length). */
const COUNTED_CHARACTER = /[^\uFE0E\uFE0F]/;

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
  @Matches(STYLE, { message: 'style must be up to 40 characters of [a-z0-9 -]' })
  style?: string;

  @ApiPropertyOptional({ enum: IMAGE_QUALITIES, default: 'standard' })
  @IsOptional()
  @IsIn(IMAGE_QUALITIES, { message: 'quality must be standard or hd' })
  quality?: ImageQuality;

  @ApiPropertyOptional({ enum: ['premium', 'standard'], description: 'Default: DEFAULT_TIER (premium)' })
  @IsOptional()
  @IsIn(['premium', 'standard'], { message: 'tier must be premium or standard' })
  tier?: Tier;

  /**
   * The decorators' answer, computed by hand for the bodies that need no error message: every field
   * known, a string prompt of 1-2000 characters once trimmed, the others absent or allowed. Any
   * other body (null fields included) is left to the decorators (see FastValidated).
   */
  static validateFast(value: unknown): GenerateImageBody | undefined {
    if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return;
    const body = value as Record<string, unknown>;
    if (Object.keys(body).some((key) => !FIELDS.has(key))) return;
    const { prompt, aspectRatio, style, quality, tier } = body;
    if (typeof prompt !== 'string') return;
    const trimmed = prompt.trim();
    if (trimmed.length > 2000 || !COUNTED_CHARACTER.test(trimmed)) return;
    if (aspectRatio !== undefined && !(ASPECT_RATIOS as readonly unknown[]).includes(aspectRatio)) return;
    if (style !== undefined && (typeof style !== 'string' || !STYLE.test(style))) return;
    if (quality !== undefined && !(IMAGE_QUALITIES as readonly unknown[]).includes(quality)) return;
    if (tier !== undefined && tier !== 'premium' && tier !== 'standard') return;
    return Object.assign(new GenerateImageBody(), body, { prompt: trimmed });
  }
}
