import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from './database';
import { ALL_MIGRATIONS } from './migrations';
import { DataDirLock } from './data-dir-lock';

describe('embedded PGlite through the service database layer', () => {
  let database: Database;
  beforeAll(async () => {
    database = await Database.open({ pgliteDir: 'memory://', migrations: ALL_MIGRATIONS });
    await database.migrate();
    await database.query('CREATE TABLE probe (id int PRIMARY KEY, who text NOT NULL)');
  });
  afterAll(async () => database.close());

  it('keeps exactly the committed rows when one of two concurrent transactions rolls back', async () => {
    let releaseFirst!: () => void;
    const firstMayFinish = new Promise<void>((resolve) => (releaseFirst = resolve));
    const failing = database.transaction(async (tx) => {
      await tx.query(`INSERT INTO probe VALUES (1, 'rolled-back')`);
      await firstMayFinish;
      throw new Error('abort this transaction');
    });
    const committing = database.transaction(async (tx) => {
      await tx.query(`INSERT INTO probe VALUES (2, 'committed')`);
      await tx.query(`INSERT INTO probe VALUES (3, 'committed')`);
    });
    setTimeout(releaseFirst, 50);
    await expect(failing).rejects.toThrow('abort this transaction');
    await expect(committing).resolves.toBeUndefined();
    const rows = await database.query<{ id: number; who: string }>('SELECT id, who FROM probe ORDER BY id');
    expect(rows).toEqual([
      { id: 2, who: 'committed' },
      { id: 3, who: 'committed' },
    ]);
  });

  it('runs many concurrent transactions without interleaving them', async () => {
    await database.query('CREATE TABLE counter (n int NOT NULL)');
    await database.query('INSERT INTO counter VALUES (0)');
    await Promise.all(
      Array.from({ length: 40 }, () =>
        database.transaction(async (tx) => {
          const [row] = await tx.query<{ n: number }>('SELECT n FROM counter');
          await new Promise((resolve) => setImmediate(resolve));
          await tx.query('UPDATE counter SET n = $1', [row.n + 1]);
        }),
      ),
    );
    expect(await database.query('SELECT n FROM counter')).toEqual([{ n: 40 }]);
  });

  it('has applied every migration', async () => {
    await expect(database.hasPendingMigrations()).resolves.toBe(false);
  });
});

describe('embedded data directory lock', () => {
  it('refuses a second owner of the same directory with a clear message, and frees it on release', () => {
    const dir = mkdtempSync(join(tmpdir(), 'genledger-lock-'));
    const lock = DataDirLock.acquire(dir);
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    // Another live process holds it: simulate by writing our parent's pid (alive) into the file.
    lock.release();
    require('node:fs').writeFileSync(join(dir, 'genledger.lock'), String(process.ppid));
    expect(() => DataDirLock.acquire(dir)).toThrow(/already used by another genledger process \(pid \d+\)/);
    // A lock left by a dead process is taken over.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    require('node:fs').writeFileSync(join(dir, 'genledger.lock'), dead);
    const taken = DataDirLock.acquire(dir);
    taken.release();
  });
});
