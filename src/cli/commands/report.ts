import { parseMonth } from '../../common/utc-time';
import { costReport, costReportJson, costReportText, parseWhatIf } from '../../analytics/report/cost-report';
import { readMonthUsage } from '../../analytics/report/month-usage';
import { EXIT, parseOptions, UsageError, type CliCommand } from '../command';

const USAGE = `Usage: genledger report --month YYYY-MM [--what-if standard-only|no-cache|cap=USD] [--json]

Replays a UTC month's generations and cache hits from the events and adds up what they cost, then
replays them again under another policy and shows the difference. The actual figures are the
recorded ones, equal to the analytics summary for the month.

Options:
  --month YYYY-MM   the month to replay
  --what-if POLICY  standard-only: every Premium generation priced at the Standard list price for
                      its aspect ratio;
                    no-cache: every cache hit made by the provider at what its source image cost;
                    cap=USD: the soft cap at USD: once month-to-date spend plus the next Premium
                      price passes it, later Premium requests are priced as Standard (and those
                      downgraded by the real cap are priced as Premium while they fit)
  --json            the report as JSON
  --help            this text`;

export const reportCommand: CliCommand = {
  name: 'report',
  summary: "a month's cost by replay, and what another policy would have cost",
  usage: USAGE,
  async run(args, context) {
    const options = parseOptions(args, {
      month: { type: 'string' },
      'what-if': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (options.month === undefined) throw new UsageError('--month is required');
    const month = parseMonth(options.month);
    if (!month) throw new UsageError(`--month must be YYYY-MM (got ${JSON.stringify(options.month)})`);
    const whatIfText = options['what-if'];
    const whatIf = whatIfText === undefined ? undefined : parseWhatIf(whatIfText);
    if (whatIfText !== undefined && !whatIf) {
      throw new UsageError(`--what-if must be standard-only, no-cache or cap=USD (got ${JSON.stringify(whatIfText)})`);
    }
    const report = costReport(await readMonthUsage(await context.store(), month), whatIf);
    context.stdout.write(
      options.json ? `${JSON.stringify(costReportJson(report), null, 2)}\n` : costReportText(report),
    );
    return EXIT.ok;
  },
};
