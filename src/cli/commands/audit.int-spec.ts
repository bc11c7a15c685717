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
