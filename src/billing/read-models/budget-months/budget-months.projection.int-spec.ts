import type { Database } from '../../../database/database';
import { openTestDatabase } from '../../../../test/support/test-app';
import { projectInto, recorded } from '../../../../test/support/projection-rows';
import { accountBalancesProjection } from '../account-balances/account-balances.projection';
import { fromBudgetRow } from './budget-months.reads';
import type { BudgetMonthRow } from './budget-months.table';

const reserved = (id: string, at: string, priceMicros: number) =>
  recorded('CreditsReserved', 'account-u1', at, {
    reservationId: id,
    kind: 'free',
    credits: 0,
    tier: 'premium',
    day: at.slice(0, 10),
    reservedAt: at,
    expiresAt: new Date(Date.parse(at) + 120_000).toISOString(),
    generationId: null,
    priceMicros,
  });
const captured = (id: string, at: string, costMicros: number) =>
  recorded('ReservationCaptured', 'account-u1', at, {
    reservationId: id,
    kind: 'free',
    credits: 0,
    costMicros,
    capturedAt: at,
  });
const expired = (id: string, at: string) =>
  recorded('ReservationReleased', 'account-u1', at, {
    reservationId: id,
    kind: 'free',
    credits: 0,
    reason: 'expired',
    releasedAt: at,
  });

/** A capture and a release of today's shape: billed and unknown spend beside the price held. */
const settledWithSpend = (id: string, at: string, type: 'ReservationCaptured' | 'ReservationReleased', data: object) =>
  recorded(type, 'account-u1', at, {
    reservationId: id,
    kind: 'free',
    credits: 0,
    ...(type === 'ReservationCaptured' ? { capturedAt: at } : { reason: 'failed', releasedAt: at }),
    ...data,
  });

/**
 * A month capped, downgraded, paid late for an expired reservation (an older event, without an
 * unknown amount), with billed and unknown spend on capture, release and expiry, and restored; the
 * next month restored anew.
 */
const EVENTS = [
  recorded('BudgetCapSet', 'budget-2026-11', '2026-11-02T09:00:00.000Z', {
    capMicros: 100_000,
    hardCapMicros: 500_000,
    setAt: '2026-11-02T09:00:00.000Z',
  }),
  reserved('r1', '2026-11-03T10:00:00.000Z', 80_000),
  captured('r1', '2026-11-03T10:00:20.000Z', 75_000),
  reserved('r2', '2026-11-03T11:00:00.000Z', 80_000),
  recorded('TierDowngraded', 'budget-2026-11', '2026-11-03T11:00:00.000Z', {
    reason: 'soft_cap_exceeded',
    spendMicros: 75_000,
    reservedMicros: 0,
    nextPremiumPriceMicros: 80_000,
    capMicros: 100_000,
    at: '2026-11-03T11:00:00.000Z',
  }),
  expired('r2', '2026-11-03T11:02:00.000Z'),
  recorded('LateCostSettled', 'budget-2026-11', '2026-11-03T11:03:00.000Z', {
    reservationId: 'r2',
    costMicros: 80_000,
    at: '2026-11-03T11:03:00.000Z',
  }),
  reserved('r4', '2026-11-05T10:00:00.000Z', 80_000),
  settledWithSpend('r4', '2026-11-05T10:01:00.000Z', 'ReservationCaptured', {
    costMicros: 83_000,
    unknownMicros: 80_000,
  }),
  reserved('r5', '2026-11-05T11:00:00.000Z', 3_000),
  settledWithSpend('r5', '2026-11-05T11:01:00.000Z', 'ReservationReleased', {
    billedMicros: 3_000,
    unknownMicros: 3_000,
  }),
  reserved('r6', '2026-11-05T12:00:00.000Z', 80_000),
  recorded('ReservationReleased', 'account-u1', '2026-11-05T12:02:00.000Z', {
    reservationId: 'r6',
    kind: 'free',
    credits: 0,
    reason: 'expired',
    unknownMicros: 80_000,
    releasedAt: '2026-11-05T12:02:00.000Z',
  }),
  reserved('r3', '2026-11-30T23:59:00.000Z', 3_000),
  recorded('TierRestored', 'budget-2026-12', '2026-12-01T00:00:05.000Z', {
    reason: 'new_month',
    at: '2026-12-01T00:00:05.000Z',
  }),
];

describe.each([
  ['PostgreSQL when available', false],
  ['the embedded database', true],
])('budget months (billing projection) on %s: given events, then rows', (_label, embedded) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase({ label: 'budget_months_projection', embedded });
    await database.migrate();
  });
  afterAll(async () => database.close());

  it("counts a month's settled cost and in-flight prices, and mirrors its caps and tier", async () => {
    const { rows } = await projectInto(database, accountBalancesProjection, EVENTS, { suffix: 'all' });
    expect(rows.budget_months).toEqual([
      {
        month: '2026-11',
        spend_micros: 241_000,
        reserved_micros: 3_000,
        unknown_micros: 163_000,
        cap_micros: 100_000,
        hard_cap_micros: 500_000,
        tier: 'standard',
        downgraded_at: '2026-11-03T11:00:00.000Z',
        downgrade_cap_micros: 100_000,
        next_premium_price_micros: 80_000,
      },
      {
        month: '2026-12',
        spend_micros: 0,
        reserved_micros: 0,
        unknown_micros: 0,
        cap_micros: null,
        hard_cap_micros: null,
        tier: 'premium',
        downgraded_at: null,
        downgrade_cap_micros: null,
        next_premium_price_micros: null,
      },
    ]);
    const november = fromBudgetRow(rows.budget_months[0] as BudgetMonthRow);
    expect(november.totals).toEqual({ spendMicros: 241_000, reservedMicros: 3_000, unknownMicros: 163_000 });
    expect(november.state).toMatchObject({
      caps: { capMicros: 100_000, hardCapMicros: 500_000 },
      premium: { tier: 'standard', capMicros: 100_000, nextPremiumPriceMicros: 80_000 },
    });
  });

  it('restoring Premium clears the downgrade', async () => {
    const restored = recorded('TierRestored', 'budget-2026-11', '2026-11-04T09:00:00.000Z', {
      reason: 'cap_raised',
      at: '2026-11-04T09:00:00.000Z',
    });
    const { rows } = await projectInto(database, accountBalancesProjection, [...EVENTS, restored], {
      suffix: 'restored',
    });
    expect(rows.budget_months[0]).toMatchObject({
      month: '2026-11',
      tier: 'premium',
      downgraded_at: null,
      downgrade_cap_micros: null,
      next_premium_price_micros: null,
    });
  });

  it('gives the same rows whatever the batch size (what verify relies on)', async () => {
    const { rows } = await projectInto(database, accountBalancesProjection, EVENTS, { suffix: 'whole' });
    const single = await projectInto(database, accountBalancesProjection, EVENTS, { batchSize: 1, suffix: 'single' });
    expect(single.rows).toEqual(rows);
  });
});
