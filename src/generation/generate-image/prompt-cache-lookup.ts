import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { LRUCache } from 'lru-cache';
import type { Tier } from '../../config/app-config';
import type { Sql } from '../../database/database';
import { ProviderRouter } from '../../providers/provider-router';
import { cacheKey } from '../domain/prompt';
import { FindCachedImages } from '../read-models/prompt-cache/find-cached-images.query';
import type { CachedImage } from '../read-models/prompt-cache/prompt-cache.table';
import type { ImageRequest } from './generate-image.command';

/**
 * Which cached images may serve a request, and finding them. A prompt-cache entry never changes
 * once written (the first success per key wins, in commit order, live and on replay), so entries
 * found are remembered in this process; a miss is always asked again.
 */
@Injectable()
export class PromptCacheLookup {
  private readonly known = new LRUCache<string, CachedImage>({ max: 10_000 });
  private readonly keys = new LRUCache<string, string>({ max: 10_000 });

  constructor(
    private readonly queryBus: QueryBus,
    private readonly router: ProviderRouter,
  ) {}

  /** The key of an image of this tier's model (or the model that actually served it). */
  keyFor(tier: Tier, params: ImageRequest['params'], model = this.router.route(tier).model): string {
    const size = this.router.route(tier).size(params);
    const input = {
      prompt: params.prompt,
      aspectRatio: params.aspectRatio,
      style: params.style,
      size: `${size.width}x${size.height}`,
      quality: params.quality,
      model,
    };
    // Normalising the prompt and hashing it is a pure function of these fields: repeated requests
    // (the ones that hit) look their key up instead of computing it again.
    const asked = JSON.stringify([input.prompt, input.aspectRatio, input.style, input.size, input.quality, model]);
    let key = this.keys.get(asked);
    if (key === undefined) {
      key = cacheKey(input);
      this.keys.set(asked, key);
    }
    return key;
  }

  /** The cached image under this key if this process has met it (no database read). */
  remembered(key: string): CachedImage | undefined {
    return this.known.get(key);
  }

  /** An entry read by another statement (the admission's), remembered like those `find` reads. */
  remember(entry: CachedImage): void {
    this.known.set(entry.cache_key, entry);
  }

  /** The preferred cached image for these keys; `sql`: read in that open transaction. */
  async find(keys: readonly string[], sql?: Sql): Promise<CachedImage | undefined> {
    const remembered = this.known.get(keys[0]);
    if (remembered) return remembered;
    const rows = await this.queryBus.execute(new FindCachedImages(keys, sql));
    for (const row of rows) this.known.set(row.cache_key, row);
    return keys.map((key) => rows.find((row) => row.cache_key === key)).find(Boolean);
  }
}
