import { Query } from '@nestjs/cqrs';
import type { CreditStatusView } from '../../reservation';
import type { BalanceRow } from './account-balances.reads';

/**
 * A user's credits and the month's budget as `GET /v1/credits` shows them; with `at`, as they were
 * then. `balance`: the user's balance row as a statement that just wrote it returned it (a
 * capture's), so it is not read again.
 */
export class GetCreditStatus extends Query<CreditStatusView> {
  constructor(
    readonly userId: string,
    readonly at?: Date,
    readonly balance?: BalanceRow,
  ) {
    super();
  }
}
