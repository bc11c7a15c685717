import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentUser } from '../../common/http/auth';
import { GenerationIdParams } from '../get-generations/get-generations.dto';
import { SelectImage } from './select-image.command';
import { SelectImageBody } from './select-image.dto';

@ApiTags('generations')
@ApiBearerAuth('user-jwt')
@ApiSecurity('dev-user')
@Controller('v1/generations')
export class SelectImageController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post(':id/selection')
  @HttpCode(201)
  @ApiOperation({ summary: 'Select a generation for print: a 150 DPI image and a PDF of the physical size' })
  @ApiResponse({ status: 201, description: 'The print image and PDF (a size already selected answers the same)' })
  @ApiResponse({
    status: 409,
    description: 'invalid_state: the generation did not succeed; print_sizes_exhausted: it has all its print sizes',
  })
  @ApiResponse({ status: 429, description: 'rate_limited: too many new print sizes this minute (Retry-After)' })
  @ApiResponse({
    status: 503,
    description: 'print_busy: renders and their queue are full, nothing written (Retry-After)',
  })
  async select(
    @CurrentUser() userId: string,
    @Param() { id }: GenerationIdParams,
    @Body() body: SelectImageBody,
    @Req() request: FastifyRequest,
  ) {
    return this.commandBus.execute(new SelectImage(userId, id, body, String(request.id)));
  }
}
