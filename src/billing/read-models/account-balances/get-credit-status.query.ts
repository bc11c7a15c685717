import { Query } from '@nestjs/cqrs';
import type { CreditStatusView } from '../../reservation';

/** A user's credits and the month's budget as `GET /v1/credits` shows them; with `at`, as they were then. */
export class GetCreditStatus extends Query<CreditStatusView> {
  constructor(
    readonly userId: string,
    readonly at?: Date,
  ) {
    super();
  }
}
