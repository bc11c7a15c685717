import type { OpenAIImageModel } from '../../src/config/app-config';
import type { ImageQuality } from '../../src/providers/domain/image-provider';
import { falPriceMicros, isPricedFalModel, openAIPriceMicros } from '../../src/providers/domain/pricing';
import type { BillEntry } from './fake-image-provider';

/** What a provider invoices for one entry of a fake's bill, from the service's own price table. */
export function billPriceMicros(provider: 'openai' | 'fal', entry: BillEntry): number {
  const size = { width: entry.width, height: entry.height };
  if (provider === 'fal') {
    if (!isPricedFalModel(entry.model)) throw new Error(`no price for fal model ${entry.model}`);
    return falPriceMicros(entry.model, size);
  }
  return openAIPriceMicros(entry.model as OpenAIImageModel, entry.quality as ImageQuality, size);
}
