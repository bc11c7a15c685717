import { Query } from '@nestjs/cqrs';
import type { CreditStatusView } from '../../reservation';
import type { CreditStatusRow } from './credit-status.reads';

/**
 * A user's credits and the month's budget as `GET /v1/credits` shows them; with `at`, as they were
 * then. `known`: the user's balance and the month's budget row as a statement that just wrote
 * them returned them (a capture's), so they are not read again.
 */
export class GetCreditStatus extends Query<CreditStatusView> {
  constructor(
    readonly userId: string,
    readonly at?: Date,
    readonly known?: CreditStatusRow,
  ) {
    super();
  }
}
