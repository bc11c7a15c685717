import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
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
  async select(
    @CurrentUser() userId: string,
    @Param() { id }: GenerationIdParams,
    @Body() body: SelectImageBody,
    @Req() request: FastifyRequest,
  ) {
    return this.commandBus.execute(new SelectImage(userId, id, body, String(request.id)));
  }
}
