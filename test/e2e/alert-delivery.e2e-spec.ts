import { FakeClock } from '../../src/common/clock';
import { AlertReceiver } from '../fakes/alert-receiver';
import { startAllFakes, type AllFakes } from '../fakes';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Delivery against a receiver that fails: with a $0.04 soft cap one DALL·E image ($0.04) reaches
 * 50, 80 and 100 % at once, three alerts. Retries start at 150 ms and double; the fourth failed
 * attempt dead-letters an alert.
 */
describe('alert delivery: retries with back-off, dead letters, re-queue', () => {
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
        BUDGET_MONTHLY_CAP_USD: '0.04',
        FREE_DAILY_QUOTA: '100',
        ALERT_DISPATCH_INTERVAL_MS: '20',
        ALERT_RETRY_BASE_MS: '150',
        ALERT_MAX_ATTEMPTS: '4',
        ...receiver.env(),
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
    await fakes.close();
  });

  async function spendTheCap(): Promise<void> {
    prompt += 1;
    const response = await t.request('/v1/generations', {
      method: 'POST',
      user: 'spender',
      json: { prompt: `a red kite number ${prompt}`, tier: 'premium' },
    });
    expect(response.status).toBe(201);
  }
  const listed = async () => (await t.request('/v1/admin/alerts')).body.alerts as Array<Record<string, any>>;
  async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  const metric = async (name: string) => {
    const text = (await t.request('/metrics')).text;
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  };

  it('retries a failing receiver with growing waits, then delivers each alert once', async () => {
    receiver.failFirstAttemptsOfEach(3);
    await spendTheCap();
    await receiver.waitForAlerts(3, 15_000);
    expect(receiver.alerts.map((a) => a.body.data.thresholdPercent)).toEqual([50, 80, 100]);
    for (const alert of receiver.alerts) {
      const attempts = receiver.requests.filter((r) => r.id === alert.id);
      expect(attempts.map((r) => r.status)).toEqual([503, 503, 503, 200]);
      const gaps = attempts.slice(1).map((r, i) => r.at.getTime() - attempts[i].at.getTime());
      // Back-off of 150, 300, 600 ms: each wait at least its own length (a busy machine only makes
      // a wait longer, so these lower bounds hold however loaded the run is).
      expect(gaps.map((gap, i) => gap >= [150, 300, 600][i]! - 10)).toEqual([true, true, true]);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.requests).toHaveLength(12);
    const alerts = await listed();
    expect(alerts.map((a) => [a.state, a.attempts])).toEqual([
      ['delivered', 4],
      ['delivered', 4],
      ['delivered', 4],
    ]);
    expect(await metric('genledger_alerts_sent')).toBe(3);
    expect(await metric('genledger_alerts_pending')).toBe(0);
  });

  it('dead-letters an alert after the last attempt, lists it, and delivers it once re-queued', async () => {
    receiver.failFirstAttemptsOfEach(0);
    receiver.failNext(1_000);
    clock.set('2026-12-01T08:00:00Z');
    await spendTheCap();
    const dead = await until(
      'dead letters',
      listed,
      (alerts) => alerts.length === 3 && alerts.every((a) => a.state === 'dead'),
    );
    expect(dead.map((a) => [a.data.month, a.data.thresholdPercent, a.attempts])).toEqual([
      ['2026-12', 50, 4],
      ['2026-12', 80, 4],
      ['2026-12', 100, 4],
    ]);
    expect(await metric('genledger_alerts_failed')).toBe(3);
    const before = receiver.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.requests).toHaveLength(before);
    expect(receiver.alerts).toHaveLength(3);

    receiver.failNext(0);
    const retried = await t.request(`/v1/admin/alerts/${dead[1].id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: dead[1].id, state: 'pending', attempts: 0 });
    await receiver.waitForAlerts(4);
    expect(receiver.alerts[3]).toMatchObject({ id: dead[1].id });
    expect(receiver.alerts[3].body.data).toMatchObject({ month: '2026-12', thresholdPercent: 80 });
    const after = await until('the re-queued one delivered', listed, (alerts) => alerts[1].state === 'delivered');
    expect(after.map((a) => a.state)).toEqual(['dead', 'delivered', 'dead']);
    expect(after[1].attempts).toBe(1);

    const again = await t.request(`/v1/admin/alerts/${dead[1].id}/retry`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('invalid_state');
    const unknown = await t.request('/v1/admin/alerts/alrt_0000000000000000000000/retry', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect((await t.request('/v1/admin/alerts/nonsense/retry', { method: 'POST' })).status).toBe(400);
  });
});
