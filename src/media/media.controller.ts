import { Public } from '../common/http/auth';
import { Controller, Get, Param, Res, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../common/domain-error';
import { LocalDiskStorage } from './storage/local-disk.storage';
import { MediaStorage } from './storage/media-storage';

/**
 * Serves images and print files kept on local disk (no Cloudinary configured). Left out of the
 * OpenAPI document: these are file URLs handed out in API responses, not API operations.
 */
@ApiExcludeController()
@Public()
@Controller('media')
export class MediaController {
  constructor(private readonly storage: MediaStorage) {}

  @Get('*')
  async serve(@Param('*') key: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<StreamableFile> {
    const file = await this.open(key);
    if (file === null) throw new DomainError('not_found', 'No media at this address');
    // A key always names the same bytes (a new image gets a new key), so caches may keep them forever.
    void reply.header('Cache-Control', 'public, max-age=31536000, immutable');
    void reply.header('X-Content-Type-Options', 'nosniff');
    return new StreamableFile(file.stream, { type: file.mimeType, length: file.size });
  }

  /** An invalid key is answered like a missing file: it tells a prober nothing about the disk. */
  private async open(key: string) {
    if (!(this.storage instanceof LocalDiskStorage)) return null;
    try {
      return await this.storage.open(key);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'validation_failed') return null;
      throw error;
    }
  }
}
