import { Webhook } from 'standardwebhooks';
import { AlertRulesRunner } from '../../src/alerts/rules/alert-rules.runner';
import { FakeClock } from '../../src/common/clock';
import { EventStore } from '../../src/event-store/event-store';
import { AlertReceiver } from '../fakes/alert-receiver';
import { startAllFakes, type AllFakes } from '../fakes';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitUntilCaughtUp } from '../support/wait-until-caught-up';

/**
 * Budget thresholds over HTTP: DALL·E 3 at 1024x1024 standard costs $0.04 at the fake, so with a
 * $0.20 soft cap each image is 20 % of the month: the 3rd passes 50 %, the 4th 80 %, the 5th
 * reaches 100 % (and still fits, so nothing is downgraded).
 */
describe('budget threshold alerts, delivered as Standard Webhooks', () => {
  const clock = new FakeClock('2026-11-10T12:00:00Z');
  let fakes: AllFakes;
  let receiver: AlertReceiver;
  let t: TestApp;
  let prompt = 0;

  beforeAll(async () => {
    fakes = await startAllFakes();
    receiver = await AlertReceiver.start();
    t = await startTestApp({
      clock,
      env: {
        OPENAI_API_KEY: fakes.env.OPENAI_API_KEY,
        OPENAI_BASE_URL: fakes.env.OPENAI_BASE_URL,
        BUDGET_MONTHLY_CAP_USD: '0.2',
        FREE_DAILY_QUOTA: '100',
        ALERT_DISPATCH_INTERVAL_MS: '50',
        ...receiver.env(),
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
    await fakes.close();
  });

  async function generate(): Promise<void> {
    prompt += 1;
    const response = await t.request('/v1/generations', {
      method: 'POST',
      user: 'walker',
      json: { prompt: `a lighthouse number ${prompt}`, tier: 'premium' },
    });
    expect(response.status).toBe(201);
    expect(response.body.tier).toBe('premium');
  }
  const caughtUp = () => waitUntilCaughtUp(t.app.get(AlertRulesRunner).runner);

  it('walks through 50, 80 and 100 % with exactly three alerts, in order, each signed with the secret', async () => {
    await generate();
    await generate();
    await caughtUp();
    expect(receiver.requests).toEqual([]);

    for (let image = 3; image <= 5; image++) {
      await generate();
      await caughtUp();
      await receiver.waitForAlerts(image - 2);
    }
    await caughtUp();
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(receiver.alerts.map((alert) => [alert.body.type, alert.body.data.thresholdPercent])).toEqual([
      ['budget.threshold', 50],
      ['budget.threshold', 80],
      ['budget.threshold', 100],
    ]);
    expect(receiver.alerts.map((alert) => alert.body.data)).toEqual([
      { month: '2026-11', spendUsd: 0.12, capUsd: 0.2, thresholdPercent: 50 },
      { month: '2026-11', spendUsd: 0.16, capUsd: 0.2, thresholdPercent: 80 },
      { month: '2026-11', spendUsd: 0.2, capUsd: 0.2, thresholdPercent: 100 },
    ]);
    expect(receiver.alerts[0].body.text).toBe('Budget 2026-11: spend $0.12 reached 50% of the $0.20 soft cap');
    expect(receiver.alerts[0].body.timestamp).toBe('2026-11-10T12:00:00.000Z');
    // Each is verifiable with the secret, and with no other.
    const other = new Webhook(`whsec_${Buffer.from('another secret of ours').toString('base64')}`);
    for (const alert of receiver.alerts) {
      expect(alert.headers['webhook-id']).toBe(alert.id);
      expect(new Webhook(receiver.secret).verify(alert.raw, alert.headers as Record<string, string>)).toEqual(
        alert.body,
      );
      expect(() => other.verify(alert.raw, alert.headers as Record<string, string>)).toThrow();
    }
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.rejectedSignatures).toBe(0);
  });

  it('lists the month’s alerts as delivered', async () => {
    const response = await t.request('/v1/admin/alerts');
    expect(response.status).toBe(200);
    expect(response.body.alerts).toEqual(
      receiver.alerts.map((alert) => ({
        id: alert.id,
        type: 'budget.threshold',
        createdAt: '2026-11-10T12:00:00.000Z',
        state: 'delivered',
        attempts: 1,
        data: alert.body.data,
      })),
    );
  });

  it('re-arms in a new month: the next month’s spend alerts again from 50 %', async () => {
    clock.set('2026-12-02T09:00:00Z');
    await generate();
    await generate();
    await caughtUp();
    expect(receiver.alerts).toHaveLength(3);
    await generate();
    await caughtUp();
    const alerts = await receiver.waitForAlerts(4);
    expect(alerts[3].body.data).toEqual({ month: '2026-12', spendUsd: 0.12, capUsd: 0.2, thresholdPercent: 50 });
    expect(alerts[3].body.timestamp).toBe('2026-12-02T09:00:00.000Z');
    expect(new Set(alerts.map((alert) => alert.id)).size).toBe(4);
    expect(receiver.requests).toHaveLength(4);
  });
});

describe('alerts and rolled-back transactions', () => {
  const clock = new FakeClock('2026-11-10T12:00:00Z');
  let receiver: AlertReceiver;
  let t: TestApp;

  beforeAll(async () => {
    receiver = await AlertReceiver.start();
    t = await startTestApp({
      clock,
      env: { BUDGET_MONTHLY_CAP_USD: '0.2', ALERT_DISPATCH_INTERVAL_MS: '50', ...receiver.env() },
    });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const lateCost = (reservationId: string) => ({
    type: 'LateCostSettled',
    data: { reservationId, costMicros: 150_000, at: clock.now().toISOString() },
  });
  const caughtUp = () => waitUntilCaughtUp(t.app.get(AlertRulesRunner).runner);

  it('a transaction that rolls back sends nothing; the same change committed alerts', async () => {
    const store = t.app.get(EventStore);
    // $0.15 of the $0.20 cap on the month's row and stream, then the transaction fails.
    await expect(
      t.database.transaction(async (tx) => {
        await store.append('budget-2026-11', [lateCost('res_rolled_back')], { tx, expectedVersion: 'any' });
        const [row] = await tx.query('SELECT spend_micros FROM budget_months WHERE month = $1', ['2026-11']);
        expect(Number(row.spend_micros)).toBe(150_000);
        throw new Error('the caller failed after appending');
      }),
    ).rejects.toThrow('the caller failed after appending');
    await caughtUp();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toEqual([]);
    expect((await t.request('/v1/admin/alerts')).body.alerts).toEqual([]);

    await store.append('budget-2026-11', [lateCost('res_committed')], { expectedVersion: 'any' });
    await caughtUp();
    const [alert] = await receiver.waitForAlerts(1);
    expect(alert.body.data).toEqual({ month: '2026-11', spendUsd: 0.15, capUsd: 0.2, thresholdPercent: 50 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(1);
  });
});
