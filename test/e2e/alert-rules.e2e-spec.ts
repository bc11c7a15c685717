import { AlertRulesRunner } from '../../src/alerts/rules/alert-rules.runner';
import { FakeClock } from '../../src/common/clock';
import { AlertReceiver } from '../fakes/alert-receiver';
import { startAllFakes, type AllFakes } from '../fakes';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitUntilCaughtUp } from '../support/wait-until-caught-up';

/** DALL·E 3 at 1024x1024 standard costs $0.04 at the fake; fal's FLUX schnell $0.003. */
async function start(fakes: AllFakes, receiver: AlertReceiver, clock: FakeClock, env: Record<string, string>) {
  return startTestApp({
    clock,
    env: { ...fakes.env, FREE_DAILY_QUOTA: '100', ALERT_DISPATCH_INTERVAL_MS: '20', ...receiver.env(), ...env },
  });
}

describe('alert rules over HTTP', () => {
  let fakes: AllFakes;
  let receiver: AlertReceiver;
  let t: TestApp;
  let prompt = 0;

  beforeAll(async () => {
    fakes = await startAllFakes();
  });
  beforeEach(async () => {
    receiver = await AlertReceiver.start();
  });
  afterEach(async () => {
    await t?.close();
    await receiver.close();
  });
  afterAll(async () => fakes.close());

  async function generate(expectedTier = 'premium'): Promise<void> {
    prompt += 1;
    const response = await t.request('/v1/generations', {
      method: 'POST',
      user: 'rules',
      json: { prompt: `a paper boat number ${prompt}`, tier: 'premium' },
    });
    expect(response.status).toBe(201);
    expect(response.body.tier).toBe(expectedTier);
  }
  const caughtUp = () => waitUntilCaughtUp(t.app.get(AlertRulesRunner).runner);
  const settle = async () => {
    await caughtUp();
    await new Promise((resolve) => setTimeout(resolve, 200));
  };
  /**
   * Until the receiver holds `count` alerts (then settled, so one too many would show): the circuit's
   * events are appended by the breaker after the request that moved it has answered.
   */
  const receivedAtLeast = async (count: number) => {
    const deadline = Date.now() + 15_000;
    while (receiver.alerts.length < count && Date.now() < deadline) await settle();
    await settle();
  };
  const received = (type: string) => receiver.alerts.filter((alert) => alert.body.type === type);

  it('forecast: a pace that projects past the cap mid-month alerts once, on the day it first does', async () => {
    // Cap $2. One image a day for ten days projects about $1.20-1.44; then three a day. At noon on
    // day d > 10 the month has spent 0.40 + 0.12 (d - 10) dollars in d - 0.5 of 30 days: the
    // projection is $1.96 on the 14th and $2.07 on the 15th.
    const clock = new FakeClock('2026-11-01T12:00:00Z');
    t = await start(fakes, receiver, clock, { BUDGET_MONTHLY_CAP_USD: '2', ALERT_THRESHOLDS: '100' });
    for (let day = 1; day <= 16; day++) {
      clock.set(`2026-11-${String(day).padStart(2, '0')}T12:00:00Z`);
      for (let image = 0; image < (day <= 10 ? 1 : 3); image++) await generate();
      await settle();
      const forecasts = received('budget.forecast');
      expect([day, forecasts.length]).toEqual([day, day < 15 ? 0 : 1]);
    }
    const [forecast] = received('budget.forecast');
    expect(forecast.body.timestamp).toBe('2026-11-15T12:00:00.000Z');
    expect(forecast.body.data).toMatchObject({ month: '2026-11', spendUsd: 1, capUsd: 2 });
    expect(forecast.body.data.forecastUsd).toBeCloseTo(30 / 14.5, 5);
    expect(forecast.body.text).toBe(
      'Budget 2026-11: at this pace the month ends at $2.07, above the $2.00 soft cap (spent $1.00 so far)',
    );
    expect(receiver.alerts).toHaveLength(1);
  });

  it('forecast waits for the minimum of days with spend', async () => {
    // $0.12 on the 1st projects $7.20 against a $2 cap, but only from the third day with spend on.
    const clock = new FakeClock('2026-11-01T12:00:00Z');
    t = await start(fakes, receiver, clock, { BUDGET_MONTHLY_CAP_USD: '2', ALERT_THRESHOLDS: '100' });
    for (const [day, expected] of [
      ['01', 0],
      ['02', 0],
      ['03', 1],
    ] as const) {
      clock.set(`2026-11-${day}T12:00:00Z`);
      for (let image = 0; image < 3; image++) await generate();
      await settle();
      expect(received('budget.forecast')).toHaveLength(expected);
    }
    expect(received('budget.forecast')[0].body.timestamp).toBe('2026-11-03T12:00:00.000Z');
  });

  it('a downgrade and the restore by a raised cap alert, and the raise re-arms the thresholds above the spend', async () => {
    const clock = new FakeClock('2026-11-20T12:00:00Z');
    t = await start(fakes, receiver, clock, { BUDGET_MONTHLY_CAP_USD: '0.08', ALERT_FORECAST_MIN_DAYS: '28' });
    await generate();
    await generate();
    await settle();
    await generate('standard');
    await settle();
    expect(receiver.alerts.map((a) => [a.body.type, a.body.data.thresholdPercent])).toEqual([
      ['budget.threshold', 50],
      ['budget.threshold', 80],
      ['budget.threshold', 100],
      ['budget.tier_downgraded', undefined],
    ]);
    expect(received('budget.tier_downgraded')[0].body.data).toEqual({
      month: '2026-11',
      spendUsd: 0.08,
      capUsd: 0.08,
      reason: 'soft_cap_exceeded',
      nextPremiumPriceUsd: 0.04,
    });

    // $0.083 of $0.15: 50 % is passed already (quiet), 80 % ($0.12) and 100 % are armed again.
    const raised = await t.request('/v1/admin/budget', { method: 'PUT', json: { capUsd: 0.15 } });
    expect(raised.status).toBe(200);
    await settle();
    expect(receiver.alerts.slice(4).map((a) => [a.body.type, a.body.data.reason])).toEqual([
      ['budget.tier_restored', 'cap_raised'],
    ]);
    expect(received('budget.tier_restored')[0].body.data).toMatchObject({ capUsd: 0.15, spendUsd: 0.083 });
    await generate();
    await settle();
    expect(receiver.alerts).toHaveLength(6);
    expect(receiver.alerts[5].body.data).toMatchObject({ thresholdPercent: 80, capUsd: 0.15, spendUsd: 0.123 });
  });

  it('the hard cap refusing requests alerts once per hard cap value', async () => {
    // Soft cap $0.04, hard cap $0.05: one DALL·E image, then fal images ($0.003) up to $0.049.
    const clock = new FakeClock('2026-11-20T12:00:00Z');
    t = await start(fakes, receiver, clock, {
      BUDGET_MONTHLY_CAP_USD: '0.04',
      BUDGET_HARD_CAP_USD: '0.05',
      ALERT_THRESHOLDS: '1000',
      ALERT_FORECAST_MIN_DAYS: '28',
    });
    await generate();
    for (let image = 0; image < 3; image++) await generate('standard');
    const refuse = async () => {
      prompt += 1;
      const response = await t.request('/v1/generations', {
        method: 'POST',
        user: 'rules',
        json: { prompt: `a paper boat number ${prompt}`, tier: 'standard' },
      });
      expect([response.status, response.body.code]).toEqual([503, 'budget_exhausted']);
    };
    await refuse();
    await refuse();
    await settle();
    expect(received('budget.hard_cap_reached').map((alert) => alert.body.data)).toEqual([
      {
        month: '2026-11',
        spendUsd: 0.049,
        capUsd: 0.04,
        hardCapUsd: 0.05,
        reservedUsd: 0,
        refusedPriceUsd: 0.003,
      },
    ]);
    const raised = await t.request('/v1/admin/budget', { method: 'PUT', json: { hardCapUsd: 0.051 } });
    expect(raised.status).toBe(200);
    await refuse();
    await settle();
    expect(received('budget.hard_cap_reached').map((alert) => alert.body.data.hardCapUsd)).toEqual([0.05, 0.051]);
    expect(received('budget.hard_cap_reached')[0].body.text).toBe(
      'Budget 2026-11: the $0.05 hard cap is reached; paid requests are refused ($0.05 spent or held)',
    );
  });

  it('a provider circuit opening and closing alerts once each', async () => {
    const clock = new FakeClock('2026-11-20T12:00:00Z');
    t = await start(fakes, receiver, clock, { ALERT_FORECAST_MIN_DAYS: '28' });
    // Three attempts per Premium request (two retries), then fal serves: the 5th failure opens it.
    fakes.openai.failNext({ kind: 'status', status: 503 }, 5);
    await generate('standard');
    await generate('standard');
    await receivedAtLeast(1);
    expect(receiver.alerts.map((alert) => alert.body.type)).toEqual(['provider.circuit_opened']);
    expect(receiver.alerts[0].body.data).toEqual({ month: '2026-11', provider: 'openai', consecutiveFailures: 5 });
    // After halfOpenAfterMs (1 s in tests) a probe goes through and closes it.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await generate();
    await receivedAtLeast(2);
    expect(receiver.alerts.map((alert) => alert.body.type)).toEqual([
      'provider.circuit_opened',
      'provider.circuit_closed',
    ]);
    expect(receiver.alerts[1].body.text).toBe('Provider openai: circuit closed; the provider answers again');
  });
});
