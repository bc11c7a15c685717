import { FakeClock } from '../../common/clock';
import type { Database } from '../../database/database';
import { billingOn, closeBillingHarnesses } from '../../../test/support/billing-harness';
import { openTestDatabase } from '../../../test/support/test-app';
import type { CliContext } from '../command';
import { dispatch } from '../dispatcher';
import { COMMANDS } from '.';

const PREMIUM = 80_000;
const meta = { actor: 'test', requestId: 'req-1' };

describe('genledger audit', () => {
  let database: Database;
  let store: Awaited<ReturnType<typeof billingOn>>['store'];

  beforeAll(async () => {
    database = await openTestDatabase({ label: 'cli_audit' });
    await database.migrate();
    const clock = new FakeClock('2026-02-10T12:00:00Z');
    const harness = await billingOn(database, { FREE_DAILY_QUOTA: '0', CREDITS_PER_PREMIUM: '3' }, clock);
    store = harness.store;
    const { billing } = harness;
    const reserve = () =>
      billing.reserve({
        userId: 'auditee',
        requestedTier: 'premium',
        premiumPriceMicros: PREMIUM,
        standardPriceMicros: 3_000,
        metadata: meta,
      });
    await billing.grant('auditee', { credits: 10, reason: 'purchase' }, meta);
    await billing.capture(await reserve(), 83_000, meta, { unknownMicros: PREMIUM, servedTier: 'standard' });
    await billing.release(await reserve(), meta, { billedMicros: 3_000, unknownMicros: 0 });
    await reserve();
    const call = { provider: 'openai', model: 'dall-e-3', tier: 'premium' as const, priceMicros: PREMIUM };
    await store.append('generation-gen_audit1', [
      {
        type: 'GenerationFailed',
        data: {
          generationId: 'gen_audit1',
          userId: 'auditee',
          code: 'provider_failed',
          message: 'no answer',
          provider: 'openai',
          failedAt: '2026-02-10T12:00:00.000Z',
          attempts: [
            {
              ...call,
              attempt: 1,
              outcome: 'unknown',
              requestId: 'req_timeout',
              error: { code: 'timeout', message: 'cut' },
            },
            { ...call, attempt: 2, outcome: 'not_billed', error: { code: 'rejected', message: 'no', status: 400 } },
            { ...call, attempt: 3, outcome: 'billed', costMicros: PREMIUM, requestId: 'req_paid' },
          ],
        },
      },
    ]);
  });
  afterAll(async () => {
    await closeBillingHarnesses();
    await database.close();
  });

  async function run(...argv: string[]): Promise<{ code: number; stdout: string }> {
    let stdout = '';
    const context: CliContext = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => undefined, isTTY: false },
      store: async () => store,
      projections: () => [],
    };
    return { code: await dispatch(argv, context, COMMANDS), stdout };
  }

  it("shows the month's spend split into billed, unknown and held", async () => {
    const { code, stdout } = await run('audit', '--month', '2026-02');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Budget 2026-02$/m);
    expect(stdout).toMatch(/^ {2}billed +\$0\.086000 /m);
    expect(stdout).toMatch(/^ {2}unknown +\$0\.080000 /m);
    expect(stdout).toMatch(/^ {2}held +\$0\.080000 /m);
    expect(stdout).toMatch(/^ {2}total +\$0\.246000 /m);
  });

  it('lists the provider calls by outcome with their request ids, to match against the invoice', async () => {
    const { code, stdout } = await run('audit', '--month', '2026-02');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Provider calls 2026-02: 3$/m);
    const billed = stdout.indexOf('  billed: 1 call(s), $0.080000');
    const unknown = stdout.indexOf('  unknown: 1 call(s), $0.080000');
    const refused = stdout.indexOf('  not_billed: 1 call(s), $0.000000');
    expect([billed, unknown, refused].every((at) => at > 0)).toBe(true);
    expect(billed).toBeLessThan(unknown);
    expect(unknown).toBeLessThan(refused);
    expect(stdout).toMatch(
      /gen_audit1 #3 {2}openai\/dall-e-3 {2}price \$0\.080000 {2}cost \$0\.080000 {2}request req_paid$/m,
    );
    expect(stdout).toMatch(/gen_audit1 #1 .* request req_timeout {2}timeout$/m);
    expect(stdout).toMatch(/gen_audit1 #2 .* request - {2}rejected 400$/m);
    expect((await run('audit', '--month', '2026-01')).stdout).toMatch(/^Provider calls 2026-01: 0$/m);
  });

  it("prints a user's ledger with what each settlement cost, then the month's split", async () => {
    const { code, stdout } = await run('audit', 'auditee', '--at', '2026-02-10T12:00:00Z');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /charged 1 credit \(served by standard\), 2 returned; provider cost \$0\.083; unknown outcome \$0\.08/,
    );
    expect(stdout).toMatch(/returned 3 credits \(failed\); provider cost \$0\.003/);
    expect(stdout).toMatch(/^Budget 2026-02 as of 2026-02-10T12:00:00\.000Z$/m);
    expect(stdout).toMatch(/^ {2}billed +\$0\.086000 /m);
  });
});
