import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from './database';
import { ALL_MIGRATIONS } from '../migrations';
import { DataDirLock } from './data-dir-lock';
import { openTestDatabase } from '../../test/support/test-app';
import { describePostgres } from '../../test/support/test-database';

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
    // Another live process holds it: simulate by writing our parent's pid (alive) into the file.
    lock.release();
    writeFileSync(join(dir, 'genledger.lock'), String(process.ppid));
    expect(() => DataDirLock.acquire(dir)).toThrow(/already used by another genledger process \(pid \d+\)/);
    // A lock left by a dead process is taken over.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, 'genledger.lock'), dead);
    const taken = DataDirLock.acquire(dir);
    taken.release();
  });
});

describePostgres('prepared statements on PostgreSQL', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase({ label: 'prepared' });
  });
  afterAll(async () => database.close());

  const everyConnection = (text: string) => Promise.all(Array.from({ length: 20 }, () => database.query(text)));

  it('keeps answering a prepared SELECT * after another process adds a column to its table', async () => {
    await database.query('CREATE TABLE prepared_shape (a integer)');
    await database.query('INSERT INTO prepared_shape VALUES (1)');
    const before = await everyConnection('SELECT * FROM prepared_shape');
    expect(before.every((rows) => JSON.stringify(rows) === '[{"a":1}]')).toBe(true);
    await database.query('ALTER TABLE prepared_shape ADD COLUMN b integer DEFAULT 2');
    const after = await everyConnection('SELECT * FROM prepared_shape');
    expect(after.every((rows) => JSON.stringify(rows) === '[{"a":1,"b":2}]')).toBe(true);
  });

  it('runs the same statement with different parameters, inside and outside transactions', async () => {
    const text = 'SELECT $1::int + 1 AS n';
    const outside = await Promise.all(Array.from({ length: 30 }, (_, i) => database.query<{ n: number }>(text, [i])));
    expect(outside.map(([row]) => row.n)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const inside = await database.transaction(async (tx) => [
      await tx.query<{ n: number }>(text, [41]),
      await tx.query<{ n: number }>(text, [1]),
    ]);
    expect(inside.map(([row]) => row.n)).toEqual([42, 2]);
  });
});
