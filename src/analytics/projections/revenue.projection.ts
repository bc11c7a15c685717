import type { Sql } from '../../database/database';
import type { RecordedEvent } from '../../event-store/event-types';
import type { Projection, TableNames } from '../../event-store/projection';
import type { CreditsPurchased, CreditsRestored, CreditsTakenBack } from '../../billing/domain/account';
import { utcDayOf } from '../../common/utc-time';
import type { Recorded } from './recorded';
import { SumBatch } from './sum-upsert';

export const REVENUE_PROJECTION = 'analytics_revenue';
export const REVENUE_TABLE = 'analytics_daily_revenue';

type RevenueEvent = CreditsPurchased | CreditsTakenBack | CreditsRestored;

/**
 * Money taken for credits by UTC day of the event and currency: packs sold (`gross_micros`), and
 * money that went back (refunds, disputes not won: `reversed_micros`). A dispute won brings its
 * money back, so it lowers what went back on the day it is won.
 */
export const revenueProjection: Projection = {
  name: REVENUE_PROJECTION,
  kind: 'async',
  eventTypes: ['CreditsPurchased', 'CreditsTakenBack', 'CreditsRestored'],
  tables: [
    {
      name: REVENUE_TABLE,
      keyColumns: ['day', 'currency'],
      createSql: (table) => `CREATE TABLE ${table} (
        day text NOT NULL, currency text NOT NULL, purchases integer NOT NULL,
        gross_micros bigint NOT NULL, reversed_micros bigint NOT NULL,
        PRIMARY KEY (day, currency))`,
    },
  ],
  async apply(tx: Sql, recorded: readonly RecordedEvent[], tables: TableNames): Promise<void> {
    const daily = new SumBatch(['day', 'currency'], ['purchases', 'gross_micros', 'reversed_micros']);
    for (const event of recorded as ReadonlyArray<Recorded<RevenueEvent>>) {
      const day = utcDayOf(event.recordedAt);
      switch (event.type) {
        case 'CreditsPurchased':
          daily.add([day, event.data.currency], { purchases: 1, gross_micros: event.data.amountMicros });
          break;
        case 'CreditsTakenBack':
          daily.add([day, event.data.currency], { reversed_micros: event.data.amountMicros });
          break;
        case 'CreditsRestored':
          daily.add([day, event.data.currency], { reversed_micros: -event.data.amountMicros });
          break;
        default: {
          const unreachable: never = event;
          throw new Error(`Unhandled event ${JSON.stringify(unreachable)}`);
        }
      }
    }
    await daily.upsert(tx, tables[REVENUE_TABLE]);
  },
};
