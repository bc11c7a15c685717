import type { Database } from '../../../database/database';
import { openTestDatabase } from '../../../../test/support/test-app';
import { projectInto, recorded } from '../../../../test/support/projection-rows';
import { accountDecider, type AccountCommand, type AccountEvent } from '../../domain/account';
import { accountBalancesProjection } from './account-balances.projection';

const PRICE = 40_000;

const granted = (userId: string, credits: number, at: string) =>
  recorded('CreditsGranted', `account-${userId}`, at, {
    grantId: `grant-${at}`,
    credits,
    reason: 'purchase',
    externalId: null,
    grantedAt: at,
  });
const reserved = (userId: string, id: string, at: string, kind: 'free' | 'paid', credits = 0) =>
  recorded('CreditsReserved', `account-${userId}`, at, {
    reservationId: id,
    kind,
    credits,
    tier: 'premium',
    day: at.slice(0, 10),
    reservedAt: at,
    expiresAt: new Date(Date.parse(at) + 120_000).toISOString(),
    generationId: `gen-${id}`,
    priceMicros: PRICE,
  });
const quotaConsumed = (userId: string, id: string, at: string) =>
  recorded('QuotaConsumed', `account-${userId}`, at, { reservationId: id, day: at.slice(0, 10), usedToday: 1 });
const captured = (userId: string, id: string, at: string, kind: 'free' | 'paid', credits: number, costMicros: number) =>
  recorded('ReservationCaptured', `account-${userId}`, at, {
    reservationId: id,
    kind,
    credits,
    costMicros,
    capturedAt: at,
  });
const released = (userId: string, id: string, at: string, kind: 'free' | 'paid', credits: number) =>
  recorded('ReservationReleased', `account-${userId}`, at, {
    reservationId: id,
    kind,
    credits,
    reason: 'failed',
    releasedAt: at,
  });

/** Two users over two UTC days: a grant, free and paid reservations captured, released and left open. */
const EVENTS = [
  granted('u1', 10, '2026-11-24T08:00:00.000Z'),
  reserved('u1', 'r1', '2026-11-24T09:00:00.000Z', 'free'),
  quotaConsumed('u1', 'r1', '2026-11-24T09:00:00.000Z'),
  captured('u1', 'r1', '2026-11-24T09:00:20.000Z', 'free', 0, 38_000),
  reserved('u1', 'r2', '2026-11-24T10:00:00.000Z', 'paid', 2),
  released('u1', 'r2', '2026-11-24T10:00:30.000Z', 'paid', 2),
  reserved('u1', 'r3', '2026-11-24T11:00:00.000Z', 'paid', 2),
  captured('u1', 'r3', '2026-11-24T11:00:10.000Z', 'paid', 2, 40_000),
  reserved('u1', 'r4', '2026-11-24T23:59:50.000Z', 'free'),
  reserved('u1', 'r5', '2026-11-25T00:00:10.000Z', 'free'),
  // Yesterday's free unit given back: today's count stays.
  released('u1', 'r4', '2026-11-25T00:00:40.000Z', 'free', 0),
  reserved('u2', 'r6', '2026-11-25T09:00:00.000Z', 'free'),
];

describe.each([
  ['PostgreSQL when available', false],
  ['the embedded database', true],
])('account balances projection on %s: given events, then rows', (_label, embedded) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase({ label: 'account_balances_projection', embedded });
    await database.migrate();
  });
  afterAll(async () => database.close());

  it('keeps each balance, the open reservations and the month they hold money in', async () => {
    const { rows } = await projectInto(database, accountBalancesProjection, EVENTS, { suffix: 'all' });
    expect(rows.account_balances).toEqual([
      {
        user_id: 'u1',
        paid_available: 8,
        paid_reserved: 0,
        paid_captured: 2,
        paid_granted: 10,
        free_day: '2026-11-25',
        free_used: 1,
        debt_credits: 0,
      },
      {
        user_id: 'u2',
        paid_available: 0,
        paid_reserved: 0,
        paid_captured: 0,
        paid_granted: 0,
        free_day: '2026-11-25',
        free_used: 1,
        debt_credits: 0,
      },
    ]);
    expect(rows.open_reservations).toEqual([
      expect.objectContaining({ reservation_id: 'r5', user_id: 'u1', kind: 'free', day: '2026-11-25' }),
      {
        reservation_id: 'r6',
        user_id: 'u2',
        kind: 'free',
        credits: 0,
        day: '2026-11-25',
        tier: 'premium',
        price_micros: PRICE,
        generation_id: 'gen-r6',
        expires_at: new Date('2026-11-25T09:02:00.000Z'),
      },
    ]);
    expect(rows.budget_months).toEqual([
      expect.objectContaining({ month: '2026-11', spend_micros: 78_000, reserved_micros: 2 * PRICE, tier: 'premium' }),
    ]);
  });

  it("answers a reservation's append with its month's row as the reservation left it", async () => {
    const { answers } = await projectInto(database, accountBalancesProjection, EVENTS.slice(0, 2), {
      batchSize: 1,
      suffix: 'answer',
    });
    expect(answers).toEqual([
      undefined,
      { budgetMonth: expect.objectContaining({ month: '2026-11', spend_micros: 0, reserved_micros: PRICE }) },
    ]);
  });

  it('holds a raised reservation until it settles, and a late cost moves its expired hold from unknown to billed', async () => {
    const at = (minute: number) => `2026-11-26T10:${String(minute).padStart(2, '0')}:00.000Z`;
    const raised = (id: string, minute: number, addedMicros: number, heldMicros: number) =>
      recorded('ReservationHoldRaised', 'account-u3', at(minute), {
        reservationId: id,
        addedMicros,
        heldMicros,
        raisedAt: at(minute),
      });
    const events = [
      granted('u3', 10, at(0)),
      reserved('u3', 'h1', at(1), 'paid', 2),
      raised('h1', 2, 80_000, PRICE + 80_000),
      // Captured: the whole hold leaves held spend, the calls' cost and unknown arrive.
      recorded('ReservationCaptured', 'account-u3', at(3), {
        reservationId: 'h1',
        kind: 'paid',
        credits: 2,
        costMicros: 3_000,
        unknownMicros: 80_000,
        capturedAt: at(3),
      }),
      reserved('u3', 'h2', at(4), 'paid', 2),
      raised('h2', 5, 43_000, PRICE + 43_000),
      // Expired with the call running: the whole hold is unknown, then the bill arrives.
      recorded('ReservationReleased', 'account-u3', at(7), {
        reservationId: 'h2',
        kind: 'paid',
        credits: 2,
        reason: 'expired',
        unknownMicros: PRICE + 43_000,
        releasedAt: at(7),
      }),
    ];
    const { rows, answers } = await projectInto(database, accountBalancesProjection, events, {
      batchSize: 1,
      suffix: 'raised',
    });
    expect(answers[2]).toEqual({
      budgetMonth: expect.objectContaining({ month: '2026-11', reserved_micros: PRICE + 80_000 }),
    });
    expect(rows.open_reservations).toEqual([]);
    expect(rows.budget_months).toEqual([
      expect.objectContaining({
        spend_micros: 3_000,
        reserved_micros: 0,
        unknown_micros: 80_000 + PRICE + 43_000,
      }),
    ]);
    const late = recorded('LateCostSettled', 'budget-2026-11', at(8), {
      reservationId: 'h2',
      costMicros: 43_000,
      resolvedUnknownMicros: PRICE + 43_000 - 40_000,
      at: at(8),
    });
    const settled = await projectInto(database, accountBalancesProjection, [...events, late], { suffix: 'late' });
    expect(settled.rows.budget_months).toEqual([
      expect.objectContaining({ spend_micros: 3_000 + 43_000, reserved_micros: 0, unknown_micros: 80_000 + 40_000 }),
    ]);
  });

  it('gives the same rows whatever the batch size (what verify relies on)', async () => {
    const { rows } = await projectInto(database, accountBalancesProjection, EVENTS, { suffix: 'whole' });
    await expect(
      projectInto(database, accountBalancesProjection, EVENTS, { batchSize: 1, suffix: 'single' }),
    ).resolves.toMatchObject({ rows });
    await expect(
      projectInto(database, accountBalancesProjection, EVENTS, { batchSize: 5, suffix: 'fives' }),
    ).resolves.toMatchObject({ rows });
  });

  it('keeps the debt as the account decider does: refunds after spending, and credits that come in pay it first', async () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 27, 10, minute));
    const pack = { packId: '10', credits: 10, amountMicros: 5_000_000, currency: 'usd' };
    const reserve = (id: string, minute: number): AccountCommand => ({
      type: 'ReserveCredits',
      data: {
        reservationId: id,
        tier: 'premium',
        creditsPerTier: 3,
        freeDailyQuota: 0,
        timeoutSeconds: 600,
        priceMicros: PRICE,
        now: at(minute),
      },
    });
    const commands: AccountCommand[] = [
      { type: 'StartCheckout', data: { sessionId: 'cs_1', ...pack, now: at(0) } },
      { type: 'RecordPurchase', data: { sessionId: 'cs_1', paymentIntentId: 'pi_1', now: at(1) } },
      reserve('d1', 2),
      { type: 'CaptureReservation', data: { reservationId: 'd1', costMicros: PRICE, now: at(3) } },
      reserve('d2', 4),
      reserve('d3', 5),
      {
        type: 'RecordPaymentReversal',
        data: {
          sessionId: 'cs_1',
          reference: 'ch_1',
          change: { cause: 'refund', refundedMicros: 5_000_000 },
          now: at(6),
        },
      },
      { type: 'ReleaseReservation', data: { reservationId: 'd2', reason: 'failed', now: at(7) } },
      { type: 'GrantCredits', data: { grantId: 'g1', credits: 2, reason: 'goodwill', now: at(8) } },
      { type: 'CaptureReservation', data: { reservationId: 'd3', costMicros: PRICE, now: at(9) } },
      { type: 'StartCheckout', data: { sessionId: 'cs_2', ...pack, now: at(10) } },
      { type: 'RecordPurchase', data: { sessionId: 'cs_2', paymentIntentId: 'pi_2', now: at(11) } },
    ];
    let state = accountDecider.initialState();
    const events = [];
    for (const command of commands) {
      const decided: readonly AccountEvent[] = accountDecider.decide(command, state);
      state = decided.reduce(accountDecider.evolve, state);
      events.push(...decided.map((e) => recorded(e.type, 'account-u4', at(0).toISOString(), e.data)));
    }
    expect(state).toMatchObject({ debtCredits: 0, availableCredits: 6 });
    const { rows } = await projectInto(database, accountBalancesProjection, events, { batchSize: 1, suffix: 'debt' });
    expect(rows.account_balances).toEqual([
      expect.objectContaining({
        user_id: 'u4',
        paid_available: state.availableCredits,
        paid_reserved: state.reservedCredits,
        debt_credits: state.debtCredits,
      }),
    ]);
    const halfway = events.slice(0, events.findIndex((e) => e.type === 'CreditsGranted') + 1);
    const owing = halfway
      .map((e) => ({ type: e.type, data: e.data }) as AccountEvent)
      .reduce(accountDecider.evolve, accountDecider.initialState());
    expect(owing.debtCredits).toBe(4);
    const partial = await projectInto(database, accountBalancesProjection, halfway, { suffix: 'owing' });
    expect(partial.rows.account_balances).toEqual([
      expect.objectContaining({ paid_available: 0, paid_reserved: 3, debt_credits: 4 }),
    ]);
  });
});
