import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Two processes on one PGlite directory silently lose writes, so the directory is locked with a
 * pid file created exclusively. A lock left by a dead process is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static acquire(directory: string): DataDirLock {
    mkdirSync(directory, { recursive: true });
    const path = join(directory, 'genledger.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number(readFileSync(path, 'utf8').trim());
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
          throw new Error(
            `The embedded database in ${directory} is already used by another genledger process (pid ${owner}). ` +
              'Stop it, or give this process its own DATA_DIR, or set DATABASE_URL to share a PostgreSQL.',
            { cause: error },
          );
        }
        unlinkSync(path);
      }
    }
    throw new Error(`Could not lock the embedded database directory ${directory}`);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // already gone: nothing to release
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
