/**
 * Preloaded into a benchmarked service (`node --require`) when BENCH_CPU_PROF names a directory:
 * profiles the whole process and writes `<dir>/<label>-<pid>.cpuprofile` when it is told to stop.
 * `node --cpu-prof` writes nothing here, because the service ends by re-raising SIGTERM after its
 * shutdown hooks, and a process ended by a signal never reaches the point where Node writes it.
 */
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  const write = (): void => {
    process.removeListener('SIGTERM', write);
    process.removeListener('SIGINT', write);
    // An in-process session answers at once, so the profile is written before the shutdown goes on.
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      const label = process.env.BENCH_CPU_PROF_LABEL ?? 'service';
      writeFileSync(join(dir, `${label}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.on('SIGTERM', write);
  process.on('SIGINT', write);
}
