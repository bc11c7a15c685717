import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentActor } from '../../common/http/auth';
import { DomainError } from '../../common/domain-error';
import { dollarsToMicros } from '../domain/money';
import { GrantCredits } from '../grant-credits/grant-credits.command';
import { GrantCreditsBody } from '../grant-credits/grant-credits.dto';
import { GetCreditStatus } from '../read-models/account-balances/get-credit-status.query';
import { GetBudgetOverview } from '../read-models/budget-months/get-budget-overview.query';
import { GetUserEvents } from '../read-models/user-events/get-user-events.query';
import { GetPurchases } from '../read-models/purchases/get-purchases.query';
import { SetBudgetCap } from '../set-budget-cap/set-budget-cap.command';
import { SetBudgetBody } from '../set-budget-cap/set-budget-cap.dto';
import { CreditsAtQuery, UserIdParams } from './admin-billing.dto';

@ApiTags('admin')
@ApiBearerAuth('admin')
@AdminOnly()
@Controller('v1/admin')
export class AdminBillingController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  @Get('users/:userId/credits')
  @ApiOperation({ summary: "A user's credit status, now or as it was at `at`" })
  async credits(@Param() { userId }: UserIdParams, @Query() { at }: CreditsAtQuery) {
    return this.queryBus.execute(new GetCreditStatus(userId, at ? new Date(at) : undefined));
  }

  @Post('users/:userId/credits')
  @HttpCode(201)
  @ApiOperation({ summary: 'Grant paid credits (idempotent by externalId)' })
  async grant(@Param() { userId }: UserIdParams, @Body() body: GrantCreditsBody, @CurrentActor() actor: string) {
    return this.commandBus.execute(new GrantCredits(userId, body, { actor }));
  }

  @Get('users/:userId/purchases')
  @ApiOperation({ summary: "A user's credit purchases, failed payments, refunds and disputes, and any debt" })
  async purchases(@Param() { userId }: UserIdParams) {
    return this.queryBus.execute(new GetPurchases(userId));
  }

  @Get('users/:userId/events')
  @ApiOperation({ summary: 'Every event about the user, in order' })
  async events(@Param() { userId }: UserIdParams) {
    return this.queryBus.execute(new GetUserEvents(userId));
  }

  @Get('budget')
  @ApiOperation({
    summary: "This month's budget: spend billed, unknown and held by in-flight reservations, caps, tier, forecast",
  })
  async budget() {
    return this.queryBus.execute(new GetBudgetOverview());
  }

  @Put('budget')
  @ApiOperation({
    summary:
      "Set this month's soft cap and hard cap: a field left out keeps its value; hardCapUsd null removes the hard cap",
  })
  async setBudget(@Body() body: SetBudgetBody, @CurrentActor() actor: string) {
    const cap = body.capUsd === undefined ? undefined : dollarsToMicros(body.capUsd);
    const hardCap =
      body.hardCapUsd === undefined || body.hardCapUsd === null ? body.hardCapUsd : dollarsToMicros(body.hardCapUsd);
    if (cap !== undefined && hardCap !== undefined && hardCap !== null && hardCap < cap) {
      throw new DomainError('validation_failed', 'hardCapUsd must be at least capUsd', {
        errors: [{ field: 'hardCapUsd', message: 'must be at least capUsd' }],
      });
    }
    await this.commandBus.execute(new SetBudgetCap(cap, hardCap, { actor }));
    return this.queryBus.execute(new GetBudgetOverview());
  }
}
