import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../common/http/auth';
import { BillingService } from '../billing.service';

@ApiTags('credits')
@ApiBearerAuth('user-jwt')
@ApiSecurity('dev-user')
@Controller('v1/credits')
export class CreditsController {
  constructor(private readonly billing: BillingService) {}

  @Get()
  @ApiOperation({ summary: "The caller's free quota, paid credits and the service's monthly budget" })
  async status(@CurrentUser() userId: string) {
    return this.billing.status(userId);
  }
}
