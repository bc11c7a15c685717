import { Presets, SingleBar } from 'cli-progress';
import type { ReplayProgress } from '../event-store/replay';
import type { CliOutput } from './command';

export interface ProgressReporter {
  update(progress: ReplayProgress): void;
  done(): void;
}

const PLAIN_EVERY_MS = 2000;

/**
 * A progress bar with the rate and ETA when stderr is a terminal; otherwise (logs, CI) a plain
 * line every few seconds, which a log collector keeps readable.
 */
export function progressReporter(stderr: CliOutput, label: string): ProgressReporter {
  if (stderr.isTTY) return barReporter(stderr as NodeJS.WritableStream, label);
  let lastLineAt = 0;
  let last: ReplayProgress | undefined;
  const line = (progress: ReplayProgress) => {
    const percent = progress.eventsTotal > 0 ? Math.floor((100 * progress.eventsDone) / progress.eventsTotal) : 100;
    stderr.write(
      `${label}: ${progress.eventsDone.toLocaleString('en-US')}/${progress.eventsTotal.toLocaleString('en-US')} events (${percent}%), ${progress.eventsPerSecond.toLocaleString('en-US')} events/s\n`,
    );
  };
  return {
    update(progress) {
      last = progress;
      if (Date.now() - lastLineAt < PLAIN_EVERY_MS) return;
      lastLineAt = Date.now();
      line(progress);
    },
    done() {
      if (last && lastLineAt !== 0) line(last);
    },
  };
}

function barReporter(stream: NodeJS.WritableStream, label: string): ProgressReporter {
  const bar = new SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} events | {speed} events/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      if (!started) {
        bar.start(progress.eventsTotal, 0, { speed: 0 });
        started = true;
      }
      bar.setTotal(progress.eventsTotal);
      bar.update(progress.eventsDone, { speed: progress.eventsPerSecond.toLocaleString('en-US') });
    },
    done() {
      if (started) bar.stop();
    },
  };
}
