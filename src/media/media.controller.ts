import { Controller, Get, Param, Res, StreamableFile } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/http/auth';
import { DomainError } from '../common/domain-error';
import { OpenMedia } from './open-media.query';

/**
 * Serves images and print files kept on local disk (no Cloudinary configured). Left out of the
 * OpenAPI document: these are file URLs handed out in API responses, not API operations.
 */
@ApiExcludeController()
@Public()
@Controller('media')
export class MediaController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get('*')
  async serve(@Param('*') key: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<StreamableFile> {
    const file = await this.queryBus.execute(new OpenMedia(key));
    if (file === null) throw new DomainError('not_found', 'No media at this address');
    // A key always names the same bytes (a new image gets a new key), so caches may keep them forever.
    void reply.header('Cache-Control', 'public, max-age=31536000, immutable');
    void reply.header('X-Content-Type-Options', 'nosniff');
    return new StreamableFile(file.stream, { type: file.mimeType, length: file.size });
  }
}
