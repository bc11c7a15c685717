import { Database } from '../../src/database/database';
import { ALL_MIGRATIONS } from '../../src/migrations';
import { progressReporter } from '../../src/cli/progress';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { describeMachine, envNumber, machineLine } from '../support/machine';
import { ceilingAppends, ceilingOrderedRead, type CeilingAppendFigures } from './ceiling';
import { emmettAppends, emmettReplay } from './emmett';
import { ourAppends, ourRebuild, seedOurEvents, type AppendFigures } from './ours';
import { note, perSecond, ratio } from './measure';

/**
 * The event store next to PostgreSQL's own ceiling and next to Emmett, in one run, each system in
 * its own fresh database (dropped at the end):
 *   (a) single-event appends from 32 writers to distinct streams, (b) 100-event batch appends,
 *   (c) replay: a from-zero rebuild of a simple projection over BENCH_REPLAY_EVENTS events.
 * Appends alternate between genledger and the ceiling for BENCH_ROUNDS rounds; the best round of
 * each counts, so a slow moment of the machine does not decide a ratio.
 */
async function main(): Promise<void> {
  const seconds = envNumber('BENCH_SECONDS', 15);
  const rounds = envNumber('BENCH_ROUNDS', 2);
  const replayEvents = envNumber('BENCH_REPLAY_EVENTS', 1_000_000);
  const batchSize = envNumber('BENCH_REPLAY_BATCH', 2000);
  const emmettTimebox = envNumber('BENCH_EMMETT_TIMEBOX_SECONDS', 60);
  const databases: ScratchDatabase[] = [];
  const scratch = async (label: string) => {
    const created = await createScratchDatabase(label);
    databases.push(created);
    return created.url;
  };
  try {
    const oursUrl = await scratch('es_ours');
    const ceilingUrl = await scratch('es_ceiling');
    const emmettUrl = await scratch('es_emmett');
    const machine = await describeMachine(oursUrl);
    await migrate(ceilingUrl);

    const ours: AppendFigures[] = [];
    const ceiling: CeilingAppendFigures[] = [];
    for (let round = 1; round <= rounds; round++) {
      note(`append round ${round} of ${rounds}, ${seconds} s per measurement`);
      ours.push(await ourAppends(oursUrl, seconds, round));
      ceiling.push(await ceilingAppends(ceilingUrl, seconds, round));
    }
    const emmett = await emmettAppends(emmettUrl, seconds);

    await seedOurEvents(oursUrl, replayEvents);
    // Read before and after the rebuild: a change of load during the run weighs on both sides.
    const readBefore = await ceilingOrderedRead(oursUrl, batchSize);
    const progress = progressReporter(process.stderr, 'rebuild');
    const replay = await ourRebuild(oursUrl, batchSize, (p) => progress.update(p));
    progress.done();
    const readAfter = await ceilingOrderedRead(oursUrl, batchSize);
    const read = { rowsPerSecond: (readBefore.rowsPerSecond + readAfter.rowsPerSecond) / 2 };
    const emmettReplayed = await emmettReplay(emmettUrl, emmettTimebox, batchSize);

    const best = <T>(values: readonly T[], pick: (value: T) => number) => Math.max(...values.map(pick));
    const single = best(ours, (o) => o.singleEventsPerSecond);
    const batch = best(ours, (o) => o.batchEventsPerSecond);
    const ceilingSingle = best(ceiling, (c) => c.sameShape.singleRowsPerSecond);
    const ceilingBatch = best(ceiling, (c) => c.sameShape.batchRowsPerSecond);
    const bareSingle = best(ceiling, (c) => c.bare.singleRowsPerSecond);
    const bareBatch = best(ceiling, (c) => c.bare.batchRowsPerSecond);

    const lines = [
      `Machine: ${machineLine(machine)}`,
      `Run: ${seconds} s per append measurement, best of ${rounds} rounds; replay of ${replay.events.toLocaleString('en-US')} events in batches of ${batchSize}.`,
      '',
      '| measurement | genledger | PostgreSQL ceiling, same table | ratio | bare-table ceiling | ratio | Emmett | genledger / Emmett |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      `| (a) single-event appends, 32 writers | ${perSecond(single)} | ${perSecond(ceilingSingle)} | ${ratio(single, ceilingSingle)} | ${perSecond(bareSingle)} | ${ratio(single, bareSingle)} | ${perSecond(emmett.singleEventsPerSecond)} | ${ratio(single, emmett.singleEventsPerSecond)} |`,
      `| (b) 100-event batch appends, events | ${perSecond(batch)} | ${perSecond(ceilingBatch)} | ${ratio(batch, ceilingBatch)} | ${perSecond(bareBatch)} | ${ratio(batch, bareBatch)} | ${perSecond(emmett.batchEventsPerSecond)} | ${ratio(batch, emmett.batchEventsPerSecond)} |`,
      `| (c) replay (rebuild from zero), events | ${perSecond(replay.eventsPerSecond)} | ${perSecond(read.rowsPerSecond)} (ordered read, mean of before and after) | ${ratio(replay.eventsPerSecond, read.rowsPerSecond)} | | | ${perSecond(emmettReplayed.eventsPerSecond)} | ${ratio(replay.eventsPerSecond, emmettReplayed.eventsPerSecond)} |`,
      '',
      `Emmett's replay ${emmettReplayed.finished ? 'finished' : `was stopped after ${emmettReplayed.seconds.toFixed(0)} s`} with ${emmettReplayed.events.toLocaleString('en-US')} events` +
        `; at that rate ${replay.events.toLocaleString('en-US')} events would take ${formatDuration(replay.events / emmettReplayed.eventsPerSecond)} (extrapolated), genledger took ${formatDuration(replay.events / replay.eventsPerSecond)}.`,
      `The rebuilt projection ${replay.matchesAfterRebuild ? 'matched' : 'DID NOT MATCH'} a verify afterwards.`,
      '',
      'Targets: ' +
        [
          target('single appends >= 0.8 of the ceiling', single / ceilingSingle >= 0.8),
          target('batch appends >= 0.8', batch / ceilingBatch >= 0.8),
          target('replay >= 100,000 events/s', replay.eventsPerSecond >= 100_000),
          target('replay >= 0.6 of the ordered read', replay.eventsPerSecond / read.rowsPerSecond >= 0.6),
        ].join('; '),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const database of databases) await database.drop().catch(() => undefined);
  }
}

async function migrate(url: string): Promise<void> {
  const database = await Database.open({ url, migrations: ALL_MIGRATIONS });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
}

function target(label: string, met: boolean): string {
  return `${label}: ${met ? 'met' : 'NOT met'}`;
}

function formatDuration(seconds: number): string {
  return seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(1)} s`;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:event-store failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
