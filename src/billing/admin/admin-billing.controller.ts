import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentActor } from '../../common/http/auth';
import { DomainError } from '../../common/domain-error';
import { Clock } from '../../common/clock';
import { Database } from '../../database/database';
import { BillingService } from '../billing.service';
import { dollarsToMicros, microsToDollars } from '../domain/money';
import { CreditsAtQuery, GrantCreditsBody, SetBudgetBody, UserIdParams } from './admin-billing.dto';

@ApiTags('admin')
@ApiBearerAuth('admin')
@AdminOnly()
@Controller('v1/admin')
export class AdminBillingController {
  constructor(
    private readonly billing: BillingService,
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  @Get('users/:userId/credits')
  @ApiOperation({ summary: "A user's credit status, now or as it was at `at`" })
  async credits(@Param() { userId }: UserIdParams, @Query() { at }: CreditsAtQuery) {
    return this.billing.status(userId, at ? new Date(at) : undefined);
  }

  @Post('users/:userId/credits')
  @HttpCode(201)
  @ApiOperation({ summary: 'Grant paid credits (idempotent by externalId)' })
  async grant(@Param() { userId }: UserIdParams, @Body() body: GrantCreditsBody, @CurrentActor() actor: string) {
    return this.billing.grant(userId, body, { actor });
  }

  @Get('users/:userId/events')
  @ApiOperation({ summary: 'Every event about the user, in order' })
  async events(@Param() { userId }: UserIdParams) {
    const rows = await this.database.query(
      `SELECT global_position, stream_id, type, data, metadata, recorded_at FROM events
        WHERE metadata->>'userId' = $1 ORDER BY global_position`,
      [userId],
    );
    return {
      events: rows.map((row) => ({
        globalPosition: Number(row.global_position),
        streamId: row.stream_id,
        type: row.type,
        data: row.data,
        metadata: row.metadata,
        recordedAt: new Date(row.recorded_at).toISOString(),
      })),
    };
  }

  @Get('budget')
  @ApiOperation({ summary: "This month's budget: spend, in-flight reservations, caps, tier, forecast" })
  async budget() {
    return this.budgetResponse();
  }

  @Put('budget')
  @ApiOperation({ summary: "Set this month's soft cap (and optional hard cap)" })
  async setBudget(@Body() body: SetBudgetBody, @CurrentActor() actor: string) {
    const cap = dollarsToMicros(body.capUsd);
    const hardCap = body.hardCapUsd === undefined || body.hardCapUsd === null ? null : dollarsToMicros(body.hardCapUsd);
    if (hardCap !== null && hardCap < cap) {
      throw new DomainError('validation_failed', 'hardCapUsd must be at least capUsd', {
        errors: [{ field: 'hardCapUsd', message: 'must be at least capUsd' }],
      });
    }
    await this.billing.setBudgetCap(cap, hardCap, { actor });
    return this.budgetResponse();
  }

  private async budgetResponse() {
    // The operator's view is read fresh: other replicas' changes included.
    const { month, view } = await this.billing.budget(undefined, { fresh: true });
    return {
      month,
      spendUsd: microsToDollars(view.spendMicros),
      reservedUsd: microsToDollars(view.reservedMicros),
      capUsd: microsToDollars(view.capMicros),
      hardCapUsd: view.hardCapMicros === null ? null : microsToDollars(view.hardCapMicros),
      tier: view.tier,
      downgradedAt: view.downgradedAt,
      forecastUsd: microsToDollars(forecastMicros(view.spendMicros, this.clock.now())),
    };
  }
}

/** Linear projection of the month's spend from the part of the month that has passed. */
export function forecastMicros(spendMicros: number, now: Date): number {
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const elapsed = Math.max(now.getTime() - start, 60 * 60 * 1000);
  return Math.round((spendMicros * (end - start)) / elapsed);
}
