export type AspectRatio = '1:1' | '16:9' | '9:16' | '4:3' | '3:4' | '3:1' | '1:3';
export type ImageQuality = 'standard' | 'hd';
export type ProviderName = 'openai' | 'fal' | 'local';

export const ASPECT_RATIOS: readonly AspectRatio[] = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:1', '1:3'];
export const IMAGE_QUALITIES: readonly ImageQuality[] = ['standard', 'hd'];

export interface GenerateParams {
  readonly prompt: string;
  readonly aspectRatio: AspectRatio;
  /** Free-form (API.md: up to 40 chars of `[a-z0-9 -]`); each provider maps it as it can. */
  readonly style: string | null;
  readonly quality: ImageQuality;
  readonly signal?: AbortSignal;
  /**
   * Told the provider's id for the call as soon as the provider names it (fal: at submit, before
   * the job runs), so a call cut off later can still be matched against the provider's invoice.
   */
  readonly onRequestId?: (requestId: string) => void;
}

/** What decides an image's size and price; the prompt never does. */
export type PriceParams = Pick<GenerateParams, 'aspectRatio' | 'quality'>;

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

export interface GeneratedImage {
  readonly bytes: Buffer;
  readonly mimeType: string;
  readonly width: number;
  readonly height: number;
  readonly model: string;
  readonly provider: ProviderName;
  /** The provider's id for the call (support tickets, audits); ours when the provider gives none. */
  readonly providerRequestId: string;
}

export interface ImageProvider {
  readonly name: ProviderName;
  readonly model: string;
  generate(params: GenerateParams): Promise<GeneratedImage>;
  /** Integer micro-dollars the provider bills for one image with these parameters. */
  price(params: PriceParams): number;
  size(params: PriceParams): ImageSize;
}
