import { Client } from 'pg';
import { AlertReceiver } from '../fakes/alert-receiver';
import { startAllFakes, type AllFakes } from '../fakes';
import { describePostgres } from '../support/test-database';
import { spread, startCluster, type Cluster } from './support/cluster';

/**
 * Alerts across crashes and replicas, with `node dist/src/main.js` processes on PostgreSQL and the
 * real clock. DALL·E 3 at 1024x1024 standard costs $0.04 at the fake: with a $0.20 soft cap each
 * image is 20 % of the month.
 */
describePostgres('alerts across crashes and replicas', () => {
  let fakes: AllFakes;
  let receiver: AlertReceiver;
  let cluster: Cluster | undefined;
  let prompt = 0;

  const env = () => ({
    OPENAI_API_KEY: fakes.env.OPENAI_API_KEY,
    OPENAI_BASE_URL: fakes.env.OPENAI_BASE_URL,
    BUDGET_MONTHLY_CAP_USD: '0.2',
    FREE_DAILY_QUOTA: '100',
    ALERT_RETRY_BASE_MS: '100',
    ALERT_RETRY_MAX_MS: '200',
    ALERT_DISPATCH_INTERVAL_MS: '50',
    ...receiver.env(),
  });

  beforeAll(async () => {
    fakes = await startAllFakes();
  });
  beforeEach(async () => {
    receiver = await AlertReceiver.start();
  });
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
    await receiver.close();
  });
  afterAll(async () => fakes?.close());

  async function generate(replica = 0): Promise<void> {
    prompt += 1;
    const reply = await cluster!.clients[replica]!.generate('alerted', { prompt: `a tin robot ${prompt}` });
    expect([reply.status, (reply.body as { tier?: string }).tier]).toEqual([201, 'premium']);
  }
  async function outbox(): Promise<Array<{ id: string; state: string; attempts: number; percent: number }>> {
    const client = new Client({ connectionString: cluster!.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT id, state, attempts, (data->>'thresholdPercent')::int AS percent FROM alert_outbox ORDER BY seq`,
      );
      return rows;
    } finally {
      await client.end();
    }
  }
  const answeredOk = (id: string) => receiver.requests.filter((r) => r.id === id && r.status === 200).length;
  const kill = async (replica: number) => {
    cluster!.replicas[replica]!.child.kill('SIGKILL');
    await cluster!.replicas[replica]!.exited;
  };

  it('SIGKILL after the commit that crossed 80 % and before delivery: after restart each alert arrives once', async () => {
    // Every attempt before the kill fails; enough attempts that the 50 % alert is still pending
    // however long the 4th image takes on a loaded machine (10 would be spent in about 1.7 s).
    cluster = await startCluster(1, { ...env(), ALERT_MAX_ATTEMPTS: '100' }, 'alerts_crash');
    receiver.failNext(1_000_000);
    for (let image = 1; image <= 4; image++) await generate();
    // The 4th image's capture committed (the answer is sent after it); nothing has been delivered.
    await kill(0);
    expect(receiver.alerts).toEqual([]);

    receiver.failNext(0);
    await cluster.restart(0);
    const alerts = await receiver.waitForAlerts(2, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(alerts.map((alert) => alert.body.data.thresholdPercent)).toEqual([50, 80]);
    for (const alert of alerts) expect(answeredOk(alert.id)).toBe(1);
    expect((await outbox()).map((row) => [row.percent, row.state])).toEqual([
      [50, 'delivered'],
      [80, 'delivered'],
    ]);
  }, 120_000);

  it('SIGKILL while a delivery waits for its answer: the lease runs out and the same webhook-id is sent again, taken once', async () => {
    cluster = await startCluster(1, { ...env(), ALERT_DELIVERY_TIMEOUT_MS: '2000' }, 'alerts_lease');
    receiver.holdAnswers(true);
    for (let image = 1; image <= 3; image++) await generate();
    const [taken] = await receiver.waitForAlerts(1, 20_000);
    await kill(0);
    receiver.holdAnswers(false);

    await cluster.restart(0);
    const deadline = Date.now() + 20_000;
    while (answeredOk(taken.id) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(receiver.attemptsOf(taken.id)).toBe(2);
    expect(receiver.alerts.map((alert) => alert.id)).toEqual([taken.id]);
    // The receiver answered; the dispatcher records the delivery once that answer reaches it.
    let rows = await outbox();
    while (rows.some((row) => row.state === 'pending') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      rows = await outbox();
    }
    expect(rows).toEqual([{ id: taken.id, state: 'delivered', attempts: 2, percent: 50 }]);
  }, 120_000);

  it('three replicas: the rules run once and each alert is delivered once', async () => {
    cluster = await startCluster(
      3,
      { ...env(), ALERT_THRESHOLDS: '10,20,30,40,50,60,70,80,90,100' },
      'alerts_replicas',
    );
    // Five images at once over the three replicas: exactly the cap, so none is downgraded.
    await spread(5, cluster.clients, (_client, index) => generate(index % 3));
    const alerts = await receiver.waitForAlerts(10, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(alerts.map((alert) => alert.body.data.thresholdPercent).sort((a, b) => a - b)).toEqual([
      10, 20, 30, 40, 50, 60, 70, 80, 90, 100,
    ]);
    expect(receiver.requests).toHaveLength(10);
    expect(receiver.requests.every((request) => request.status === 200)).toBe(true);
    const rows = await outbox();
    expect(rows).toHaveLength(10);
    expect(rows.every((row) => row.state === 'delivered' && row.attempts === 1)).toBe(true);
  }, 120_000);
});
