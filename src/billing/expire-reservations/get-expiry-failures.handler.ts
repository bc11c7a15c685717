import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ExpiryFailures, type ExpiryFailuresReport } from './expiry-failures';
import { GetExpiryFailures } from './get-expiry-failures.query';

@QueryHandler(GetExpiryFailures)
export class GetExpiryFailuresHandler implements IQueryHandler<GetExpiryFailures, ExpiryFailuresReport> {
  constructor(private readonly failures: ExpiryFailures) {}

  execute(): Promise<ExpiryFailuresReport> {
    return Promise.resolve(this.failures.report());
  }
}
