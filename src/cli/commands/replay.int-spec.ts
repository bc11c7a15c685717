import { FakeClock } from '../../common/clock';
import type { Database } from '../../database/database';
import { EventStore } from '../../event-store/event-store';
import { ProjectionRegistry } from '../../event-store/projection-registry';
import { streamCountProjection } from '../../../test/support/stream-count-projection';
import { openTestDatabase } from '../../../test/support/test-app';
import type { CliContext } from '../command';
import { dispatch } from '../dispatcher';
import { COMMANDS } from '.';

const counts = streamCountProjection({ name: 'cli_counts', table: 'cli_counts' });
const tallies = streamCountProjection({
  name: 'cli_tallies',
  kind: 'inline',
  table: 'cli_tallies',
  eventTypes: ['Tallied'],
});

describe('genledger replay', () => {
  let database: Database;
  let store: EventStore;

  beforeAll(async () => {
    database = await openTestDatabase({ label: 'cli' });
    await database.migrate();
    store = new EventStore(database, new FakeClock());
    await new ProjectionRegistry(store, [counts, tallies]).ensureTables();
    let last = 0;
    for (let i = 0; i < 30; i++) {
      const appended = await store.append(`cli-${i % 4}`, [
        { type: 'Counted', data: {} },
        { type: 'Tallied', data: {} },
      ]);
      last = appended.globalPositions[appended.globalPositions.length - 1];
    }
    // An async rebuild reads up to the oldest transaction still running anywhere on the server
    // (other suites run beside this one): wait until all 30 appends are below that horizon.
    const deadline = Date.now() + 30_000;
    while ((await store.head()).globalPosition < last && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
  });
  afterAll(async () => database.close());

  async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const context: CliContext = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text), isTTY: false },
      store: async () => store,
      projections: () => [counts, tallies],
    };
    const code = await dispatch(argv, context, COMMANDS);
    return { code, stdout, stderr };
  }

  it('rebuilds every projection, with plain progress lines when stderr is not a terminal', async () => {
    const result = await run('replay', '--batch-size', '7');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^cli_counts: rebuilt from 30 events in \d+\.\d s \([\d,]+ events\/s\)$/m);
    expect(result.stdout).toMatch(/^cli_tallies: rebuilt from 30 events/m);
    expect(result.stderr).toMatch(/^cli_counts: \d+\/30 events \(\d+%\), [\d,]+ events\/s$/m);
  });

  it('exits 0 when verify finds every row equal, and 1 with the differing rows when not', async () => {
    await expect(run('replay', '--verify')).resolves.toMatchObject({
      code: 0,
      stdout: 'cli_counts: matches (30 events replayed)\ncli_tallies: matches (30 events replayed)\n',
    });
    await database.query(`UPDATE cli_tallies SET events = 1000 WHERE stream_id = 'cli-1'`);
    const result = await run('replay', '--verify', '--projection', 'cli_tallies');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('cli_tallies: DIFFERS in 2 row(s) (30 events replayed)');
    expect(result.stdout).toMatch(
      /^ {2}live-only {4}cli_tallies \{"stream_id":"cli-1","events":1000,"last_global_position":\d+\}$/m,
    );
    expect(result.stdout).toMatch(
      /^ {2}rebuilt-only cli_tallies \{"stream_id":"cli-1","events":8,"last_global_position":\d+\}$/m,
    );

    await expect(run('replay', '--projection', 'cli_tallies')).resolves.toMatchObject({ code: 0 });
    await expect(run('replay', '--verify', '--projection', 'cli_tallies')).resolves.toMatchObject({ code: 0 });
  });

  it('exits 2 with the usage on bad options and unknown projections or commands', async () => {
    const unknownOption = await run('replay', '--bogus');
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("Unknown option '--bogus'");
    expect(unknownOption.stderr).toContain('Usage: genledger replay');

    const unknownProjection = await run('replay', '--projection', 'nope');
    expect(unknownProjection).toMatchObject({ code: 2 });
    expect(unknownProjection.stderr).toContain('Unknown projection "nope"; known: cli_counts, cli_tallies');

    await expect(run('replay', '--batch-size', '0')).resolves.toMatchObject({ code: 2 });
    const unknownCommand = await run('frobnicate');
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('Unknown command "frobnicate"');
    await expect(run()).resolves.toMatchObject({ code: 2 });
  });

  it('prints help for the CLI and for a command', async () => {
    const overview = await run('--help');
    expect(overview.code).toBe(0);
    expect(overview.stdout).toMatch(/^ {2}replay {2}rebuild projections/m);
    const help = await run('replay', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: genledger replay \[--projection NAME\] \[--verify\]/);
    await expect(run('help', 'replay')).resolves.toMatchObject({ code: 0, stdout: help.stdout });
  });
});
