import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../common/http/auth';
import { GetCreditPacks } from '../credit-packs/get-credit-packs.query';
import { GetCreditStatus } from '../read-models/account-balances/get-credit-status.query';
import { GetPurchases } from '../read-models/purchases/get-purchases.query';

@ApiTags('credits')
@ApiBearerAuth('user-jwt')
@ApiSecurity('dev-user')
@Controller('v1/credits')
export class CreditsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({ summary: "The caller's free quota, paid credits and the service's monthly budget" })
  async status(@CurrentUser() userId: string) {
    return this.queryBus.execute(new GetCreditStatus(userId));
  }

  @Get('packs')
  @ApiOperation({ summary: 'The credit packs on sale (CREDIT_PACKS), with their price and currency' })
  async packs() {
    return this.queryBus.execute(new GetCreditPacks());
  }

  @Get('purchases')
  @ApiOperation({ summary: "The caller's credit purchases, failed payments, refunds and disputes, and any debt" })
  async purchases(@CurrentUser() userId: string) {
    return this.queryBus.execute(new GetPurchases(userId));
  }
}
