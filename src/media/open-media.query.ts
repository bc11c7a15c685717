import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { ReadStream } from 'node:fs';
import { DomainError } from '../common/domain-error';
import { LocalDiskStorage } from './storage/local-disk.storage';
import { MediaStorage } from './storage/media-storage';

export interface MediaFile {
  readonly stream: ReadStream;
  readonly size: number;
  readonly mimeType: string;
}

/** A file kept on local disk, or null: none there, an invalid key, or media kept on Cloudinary. */
export class OpenMedia extends Query<MediaFile | null> {
  constructor(readonly key: string) {
    super();
  }
}

@QueryHandler(OpenMedia)
export class OpenMediaHandler implements IQueryHandler<OpenMedia, MediaFile | null> {
  constructor(private readonly storage: MediaStorage) {}

  /** An invalid key is answered like a missing file: it tells a prober nothing about the disk. */
  async execute(query: OpenMedia): Promise<MediaFile | null> {
    if (!(this.storage instanceof LocalDiskStorage)) return null;
    try {
      return await this.storage.open(query.key);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'validation_failed') return null;
      throw error;
    }
  }
}
