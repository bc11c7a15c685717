import { parseArgs } from 'node:util';
import { accountStreamId } from '../../billing/domain/account';
import { microsToDollars } from '../../billing/domain/money';
import { budgetTotalsAt } from '../../billing/read-models/budget-months/budget-months.reads';
import { USER_ID_PATTERN } from '../../common/http/auth';
import { monthOf, parseMonth } from '../../common/utc-time';
import type { EventStore } from '../../event-store/event-store';
import { ledgerOf, type LedgerLine } from '../../analytics/domain/ledger';
import { EXIT, UsageError, type CliCommand } from '../command';
import { providerCalls } from './provider-calls';

const USAGE = `Usage: genledger audit [USER_ID] [--at ISO] [--month YYYY-MM]

Prints the month's provider spend from the events, split as GET /v1/admin/budget shows it: billed
(the provider's cost), unknown (calls whose outcome is not known, at their price) and held (prices of
generations still running). Billed + unknown + held is what the caps are measured against. Then
lists the month's provider calls by outcome (billed, unknown, not billed), each with its generation,
attempt, provider and model, price, cost and the provider's request id, to match against the invoice.

With USER_ID, first prints the user's credit ledger from the events of their account: every grant,
hold, charge and release, the change to their spendable paid credits, the balance after it and the
request that caused it. The last balance is the one GET /v1/admin/users/USER_ID/credits answers.

Options:
  --at ISO          the ledger and the month as they were at this instant (ISO 8601 with a time zone)
  --month YYYY-MM   the budget month to show (default: the month of --at, else this month)
  --help            this text`;

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
  summary:
    "the month's spend split into billed, unknown and held and its provider calls by outcome; with USER_ID, the user's credit ledger first",
  usage: USAGE,
  async run(args, context) {
    const { userId, at, month } = parse(args);
    const store = await context.store();
    const shown = month ?? monthOf(at ?? new Date());
    const budget = async () => [await monthSpend(store, shown, at), await providerCalls(store, shown, at)].join('\n');
    if (userId === undefined) {
      context.stdout.write(await budget());
      return EXIT.ok;
    }
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
    const debt = state.debtCredits > 0 ? `; ${state.debtCredits} credits owed for refunded or disputed purchases` : '';
    const free = freeDays.length > 0 ? `; free units used on ${freeDays.at(-1)?.[0]}: ${freeDays.at(-1)?.[1]}` : '';
    context.stdout.write(
      [
        `Ledger of ${userId}${at ? ` as of ${at.toISOString()}` : ''}`,
        '',
        render(table[0]),
        render(widths.map((width) => '-'.repeat(width))),
        ...table.slice(1).map(render),
        '',
        `Balance: ${state.availableCredits} paid credits available, ${state.reservedCredits} held, ${state.grantedCredits} granted in all${free}${debt}`,
        '',
        await budget(),
      ].join('\n'),
    );
    return EXIT.ok;
  },
};

/** The month's spend split as the events had recorded it by `at` (default now), in USD. */
async function monthSpend(store: EventStore, month: string, at: Date | undefined): Promise<string> {
  const totals = await budgetTotalsAt(store.database, month, at ?? new Date());
  const unknown = totals.unknownMicros ?? 0;
  const usd = (micros: number) => `$${microsToDollars(micros).toFixed(6)}`;
  const rows: Array<[string, number, string]> = [
    ['billed', totals.spendMicros, 'provider cost of calls the provider did the work for'],
    ['unknown', unknown, 'calls whose outcome is not known, at their price'],
    ['held', totals.reservedMicros, 'prices of generations still running'],
    ['total', totals.spendMicros + unknown + totals.reservedMicros, 'measured against the soft and hard caps'],
  ];
  const width = Math.max(...rows.map(([, micros]) => usd(micros).length));
  return [
    `Budget ${month}${at ? ` as of ${at.toISOString()}` : ''}`,
    ...rows.map(([label, micros, note]) => `  ${label.padEnd(8)}${usd(micros).padStart(width)}  ${note}`),
    '',
  ].join('\n');
}

function parse(args: readonly string[]): {
  userId: string | undefined;
  at: Date | undefined;
  month: string | undefined;
} {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { at: { type: 'string' }, month: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const [userId, ...extra] = parsed.positionals;
  if (extra.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(extra[0])}`);
  if (userId !== undefined && !USER_ID_PATTERN.test(userId))
    throw new UsageError('USER_ID must be 1-128 characters of [A-Za-z0-9._:@-]');
  const monthText = parsed.values.month;
  const month = monthText === undefined ? undefined : parseMonth(monthText);
  if (monthText !== undefined && month === undefined)
    throw new UsageError(`--month must be YYYY-MM (got ${JSON.stringify(monthText)})`);
  const text = parsed.values.at;
  if (text === undefined) return { userId, at: undefined, month };
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ||
    Number.isNaN(Date.parse(text))
  ) {
    throw new UsageError(`--at must be an ISO 8601 date-time with a time zone (got ${JSON.stringify(text)})`);
  }
  return { userId, at: new Date(text), month };
}
