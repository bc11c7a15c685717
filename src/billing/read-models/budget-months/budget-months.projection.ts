import type { Sql } from '../../../database/database';
import type { BudgetEvent } from '../../domain/budget';

// The budget stream's part of the billing projection (account-balances.projection.ts): the caps,
// the tier and late costs of each month's `budget_months` row.

/** A late cost: billed spend added, and the unknown spend it explains taken off. */
async function addToBudget(
  tx: Sql,
  table: string,
  month: string,
  spendMicros: number,
  resolvedUnknownMicros: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO ${table} AS m (month, spend_micros) VALUES ($1, $2)
     ON CONFLICT (month) DO UPDATE
       SET spend_micros = m.spend_micros + excluded.spend_micros,
           unknown_micros = GREATEST(m.unknown_micros - $3, 0)`,
    [month, spendMicros, resolvedUnknownMicros],
  );
}

/** Applies one event of `budget-{month}` to the month's row of `table`. */
export async function applyBudgetEvent(tx: Sql, table: string, month: string, event: BudgetEvent): Promise<void> {
  switch (event.type) {
    case 'BudgetCapSet':
      await tx.query(
        `INSERT INTO ${table} (month, cap_micros, hard_cap_micros) VALUES ($1, $2, $3)
         ON CONFLICT (month) DO UPDATE SET cap_micros = excluded.cap_micros, hard_cap_micros = excluded.hard_cap_micros`,
        [month, event.data.capMicros, event.data.hardCapMicros],
      );
      return;
    case 'TierDowngraded':
      await tx.query(
        `INSERT INTO ${table} (month, tier, downgraded_at, downgrade_cap_micros, next_premium_price_micros) VALUES ($1, 'standard', $2, $3, $4)
         ON CONFLICT (month) DO UPDATE
           SET tier = 'standard', downgraded_at = excluded.downgraded_at,
               downgrade_cap_micros = excluded.downgrade_cap_micros, next_premium_price_micros = excluded.next_premium_price_micros`,
        [month, event.data.at, event.data.capMicros, event.data.nextPremiumPriceMicros],
      );
      return;
    case 'TierRestored':
      await tx.query(
        `INSERT INTO ${table} (month) VALUES ($1)
         ON CONFLICT (month) DO UPDATE
           SET tier = 'premium', downgraded_at = NULL, downgrade_cap_micros = NULL, next_premium_price_micros = NULL`,
        [month],
      );
      return;
    case 'LateCostSettled':
      await addToBudget(tx, table, month, event.data.costMicros, event.data.resolvedUnknownMicros ?? 0);
      return;
    case 'HardCapReached':
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unreachable)}`);
    }
  }
}
