import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../common/http/auth';
import { HandleStripeWebhook } from './handle-stripe-webhook.command';
import { STRIPE_WEBHOOK_PATH } from './stripe-webhook.route';

@ApiTags('webhooks')
/** Stripe calls this; it proves who it is with the signature, not with a user or admin token. */
@Controller()
export class StripeWebhookController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post(STRIPE_WEBHOOK_PATH.slice(1))
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stripe events (raw JSON body, signed): purchases granted once, refunds and disputes taken back',
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true, description: "Stripe's signature of the raw body" })
  @ApiResponse({ status: 200, description: '{ received: true, outcome: processed | duplicate | ignored }' })
  @ApiResponse({ status: 400, description: 'invalid_signature: nothing written' })
  async receive(
    @Req() request: FastifyRequest & { rawBody?: Buffer },
    @Headers('stripe-signature') signature: string | undefined,
  ) {
    return this.commandBus.execute(
      new HandleStripeWebhook(request.rawBody ?? Buffer.alloc(0), signature, String(request.id)),
    );
  }
}
