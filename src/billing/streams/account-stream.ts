import { Injectable } from '@nestjs/common';
import type { Sql } from '../../database/database';
import { EventStore } from '../../event-store/event-store';
import { handleCommand, type HandleResult } from '../../event-store/command-handler';
import type { EventMetadata } from '../../event-store/event-types';
import { registerInlineOnce } from '../../event-store/projection';
import {
  accountDecider,
  accountStreamId,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
} from '../domain/account';
import { accountBalancesProjection } from '../read-models/account-balances/account-balances.projection';
import { purchasesProjection } from '../read-models/purchases/purchases.projection';
import { accountSnapshot } from './billing-snapshots';

/**
 * Runs an account command under the account stream's advisory lock, with the account snapshot,
 * and with the balances projection applied in the same transaction (a reservation reads what its
 * own events wrote to the month's row).
 */
@Injectable()
export class AccountStream {
  constructor(private readonly store: EventStore) {
    registerInlineOnce(store, accountBalancesProjection);
    registerInlineOnce(store, purchasesProjection);
  }

  /** In `tx` when given (the caller commits); otherwise in a transaction of its own. */
  run(
    userId: string,
    command: AccountCommand,
    metadata: EventMetadata,
    tx?: Sql,
    beforeAppend?: (newEvents: readonly AccountEvent[]) => Promise<void>,
  ): Promise<HandleResult<AccountState, AccountEvent>> {
    return handleCommand<AccountState, AccountCommand, AccountEvent>(
      this.store,
      accountStreamId(userId),
      accountDecider,
      command,
      {
        tx,
        metadata: { ...metadata, userId },
        snapshot: accountSnapshot,
        lockStream: true,
        beforeAppend,
      },
    );
  }
}
