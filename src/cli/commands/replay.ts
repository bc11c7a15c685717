import { ProjectionRegistry } from '../../event-store/projection-registry';
import type { Projection } from '../../event-store/projection';
import type { RowDifference } from '../../event-store/projection-tables';
import { EXIT, parseOptions, positiveInteger, UsageError, type CliCommand } from '../command';
import { progressReporter } from '../progress';

const USAGE = `Usage: genledger replay [--projection NAME] [--verify] [--batch-size N]

Rebuilds projections from the first event, blue/green: the new rows are built beside the live
tables, which keep serving, and replace them in one short transaction at the end.

Options:
  --projection NAME  only this projection (default: every projection, one after the other)
  --verify           rebuild into scratch tables and compare them with the live rows, row by
                     row; changes nothing. Exits with 1 when any row differs.
  --batch-size N     events per batch (default 2000)
  --help             this text

Exit codes: 0 done (and, with --verify, every row matches), 1 a difference was found,
2 bad usage, 3 failure.`;

export const replayCommand: CliCommand = {
  name: 'replay',
  summary: 'rebuild projections from the events, or --verify them against a rebuild',
  usage: USAGE,
  async run(args, context) {
    const options = parseOptions(args, {
      projection: { type: 'string' },
      verify: { type: 'boolean' },
      'batch-size': { type: 'string' },
    });
    const batchSize = positiveInteger(options['batch-size'], '--batch-size', 2000);
    const selected = select(context.projections(), options.projection);
    if (selected.length === 0) {
      context.stdout.write('No projections are registered: nothing to replay.\n');
      return EXIT.ok;
    }
    const registry = new ProjectionRegistry(await context.store(), context.projections());
    await registry.ensureTables();
    let differences = false;
    for (const projection of selected) {
      const progress = progressReporter(context.stderr, projection.name);
      const replay = { batchSize, onProgress: progress.update };
      let report: string;
      try {
        if (options.verify) {
          const result = await registry.verify(projection.name, replay);
          differences ||= !result.matches;
          const events = `${result.events.toLocaleString('en-US')} events replayed`;
          report = result.matches
            ? `${projection.name}: matches (${events})\n`
            : `${projection.name}: DIFFERS in ${result.differenceCount} row(s) (${events})\n${describe(result.differences)}`;
        } else {
          const result = await registry.rebuild(projection.name, replay);
          report = `${projection.name}: rebuilt from ${result.events.toLocaleString('en-US')} events in ${result.seconds.toFixed(1)} s (${result.eventsPerSecond.toLocaleString('en-US')} events/s)\n`;
        }
      } finally {
        progress.done();
      }
      context.stdout.write(report);
    }
    return differences ? EXIT.differences : EXIT.ok;
  },
};

function select(projections: readonly Projection[], name: string | undefined): readonly Projection[] {
  if (name === undefined) return projections;
  const projection = projections.find((candidate) => candidate.name === name);
  if (!projection) {
    const known = projections.map((candidate) => candidate.name);
    throw new UsageError(
      `Unknown projection ${JSON.stringify(name)}; known: ${known.length > 0 ? known.join(', ') : '(none)'}`,
    );
  }
  return [projection];
}

function describe(differences: readonly RowDifference[]): string {
  return differences
    .map((difference) => `  ${difference.side.padEnd(12)} ${difference.table} ${JSON.stringify(difference.row)}\n`)
    .join('');
}
