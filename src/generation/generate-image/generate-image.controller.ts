import { Body, Controller, Headers, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser } from '../../common/http/auth';
import { DomainError } from '../../common/domain-error';
import { GenerateImageBody } from './generate-image.dto';
import { GenerateImage } from './generate-image.command';

@ApiTags('generations')
@ApiBearerAuth('user-jwt')
@ApiSecurity('dev-user')
@Controller('v1/generations')
export class GenerateImageController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiOperation({
    summary: 'Generate an image (or serve it from the prompt cache), charging free quota or paid credits',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1-255 characters; the same key and body never charge twice',
  })
  @ApiResponse({ status: 201, description: 'The generation, with the caller’s credits after it' })
  @ApiResponse({ status: 402, description: 'insufficient_credits' })
  @ApiResponse({ status: 502, description: 'provider_failed: nothing charged' })
  async generate(
    @CurrentUser() userId: string,
    @Body() body: GenerateImageBody,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 255)) {
      throw new DomainError('validation_failed', 'Idempotency-Key must be 1-255 characters', {
        errors: [{ field: 'Idempotency-Key', message: 'must be 1-255 characters' }],
      });
    }
    const result = await this.commandBus.execute(new GenerateImage(userId, body, idempotencyKey, String(request.id)));
    void reply.status(result.statusCode);
    return result.body;
  }
}
