import { parseArgs } from 'node:util';
import { accountStreamId } from '../../billing/domain/account';
import { USER_ID_PATTERN } from '../../common/http/auth';
import { ledgerOf, type LedgerLine } from '../../analytics/domain/ledger';
import { EXIT, UsageError, type CliCommand } from '../command';

const USAGE = `Usage: genledger audit USER_ID [--at ISO]

Prints a user's credit ledger from the events of their account: every grant, hold, charge and
release, the change to their spendable paid credits, the balance after it and the request that
caused it. The last balance is the one GET /v1/admin/users/USER_ID/credits answers.

Options:
  --at ISO   the ledger as it was at this instant (ISO 8601 with a time zone)
  --help     this text`;

const COLUMNS: ReadonlyArray<{ title: string; cell: (line: LedgerLine) => string; right?: boolean }> = [
  { title: 'time (UTC)', cell: (line) => line.at.replace('T', ' ').replace(/\.\d+Z$/, '') },
  { title: 'event', cell: (line) => line.event },
  { title: 'change', cell: (line) => (line.change > 0 ? `+${line.change}` : String(line.change)), right: true },
  { title: 'balance', cell: (line) => String(line.available), right: true },
  { title: 'held', cell: (line) => String(line.held), right: true },
  { title: 'request', cell: (line) => line.requestId ?? '-' },
  { title: 'detail', cell: (line) => line.detail },
];

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: "a user's credit ledger from their events, with the balance after each",
  usage: USAGE,
  async run(args, context) {
    const { userId, at } = parse(args);
    const store = await context.store();
    const ledger = ledgerOf(await store.readStream(accountStreamId(userId), { until: at }));
    if (ledger.lines.length === 0) {
      context.stdout.write(`No account events for ${userId}${at ? ` up to ${at.toISOString()}` : ''}.\n`);
      return EXIT.ok;
    }
    const table = [
      COLUMNS.map((column) => column.title),
      ...ledger.lines.map((line) => COLUMNS.map((column) => column.cell(line))),
    ];
    const widths = COLUMNS.map((_, index) => Math.max(...table.map((row) => row[index].length)));
    const render = (row: readonly string[]) =>
      row
        .map((cell, index) => (COLUMNS[index].right ? cell.padStart(widths[index]) : cell.padEnd(widths[index])))
        .join('  ')
        .trimEnd();
    const { state } = ledger;
    const freeDays = Object.entries(state.freeUsedByDay).sort(([a], [b]) => a.localeCompare(b));
    const free = freeDays.length > 0 ? `; free units used on ${freeDays.at(-1)?.[0]}: ${freeDays.at(-1)?.[1]}` : '';
    context.stdout.write(
      [
        `Ledger of ${userId}${at ? ` as of ${at.toISOString()}` : ''}`,
        '',
        render(table[0]),
        render(widths.map((width) => '-'.repeat(width))),
        ...table.slice(1).map(render),
        '',
        `Balance: ${state.availableCredits} paid credits available, ${state.reservedCredits} held, ${state.grantedCredits} granted in all${free}`,
        '',
      ].join('\n'),
    );
    return EXIT.ok;
  },
};

function parse(args: readonly string[]): { userId: string; at: Date | undefined } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { at: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const [userId, ...extra] = parsed.positionals;
  if (userId === undefined) throw new UsageError('USER_ID is required');
  if (extra.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(extra[0])}`);
  if (!USER_ID_PATTERN.test(userId)) throw new UsageError('USER_ID must be 1-128 characters of [A-Za-z0-9._:@-]');
  const text = parsed.values.at;
  if (text === undefined) return { userId, at: undefined };
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ||
    Number.isNaN(Date.parse(text))
  ) {
    throw new UsageError(`--at must be an ISO 8601 date-time with a time zone (got ${JSON.stringify(text)})`);
  }
  return { userId, at: new Date(text) };
}
