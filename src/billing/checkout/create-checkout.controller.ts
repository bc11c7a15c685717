import { Body, Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentActor, CurrentUser } from '../../common/http/auth';
import { DomainError } from '../../common/domain-error';
import { CreateCheckout } from './create-checkout.command';
import { CreateCheckoutBody } from './create-checkout.dto';

@ApiTags('credits')
@ApiBearerAuth('user-jwt')
@ApiSecurity('dev-user')
@Controller('v1/credits')
export class CreateCheckoutController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('checkout')
  @HttpCode(201)
  @ApiOperation({ summary: 'Buy a credit pack: opens a Stripe Checkout Session and answers its URL' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1-255 characters; the same key answers the same checkout session',
  })
  @ApiResponse({ status: 201, description: '{ checkoutUrl, sessionId }' })
  @ApiResponse({ status: 503, description: 'purchases_disabled: STRIPE_SECRET_KEY is not configured' })
  async checkout(
    @CurrentUser() userId: string,
    @CurrentActor() actor: string,
    @Body() body: CreateCheckoutBody,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: FastifyRequest,
  ) {
    if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 255)) {
      throw new DomainError('validation_failed', 'Idempotency-Key must be 1-255 characters', {
        errors: [{ field: 'Idempotency-Key', message: 'must be 1-255 characters' }],
      });
    }
    const requestId = String(request.id);
    return this.commandBus.execute(
      new CreateCheckout(userId, body.pack, idempotencyKey ?? requestId, { actor, requestId }),
    );
  }
}
