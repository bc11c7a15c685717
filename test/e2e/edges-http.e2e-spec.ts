import { Client } from 'pg';
import { SERVER_LIMITS } from '../../src/bootstrap';
import { Database } from '../../src/database/database';
import { ALL_MIGRATIONS } from '../../src/migrations';
import { createTestDatabase, describePostgres } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('query values reaching SQL or Date are checked at the edge', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('a cursor that decodes but names no instant or generation answers 400 naming cursor', async () => {
    for (const cursor of [
      cursorOf(['1', 'x']),
      cursorOf(['2026-13-45T25:99:00Z', 'gen_abc']),
      cursorOf(['2026-11-25T12:00:00.000Z', 'x; drop table']),
      cursorOf(['2026-11-25T12:00:00.000Z']),
      cursorOf({ createdAt: '2026-11-25T12:00:00.000Z', id: 'gen_abc' }),
      cursorOf([1e308, 'gen_abc']),
    ]) {
      const response = await t.request(`/v1/generations?cursor=${cursor}`, { user: 'u1' });
      expect({ cursor, status: response.status }).toEqual({ cursor, status: 400 });
      expect(response.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'cursor' }] });
    }
  });

  it('a cursor the service issued still pages', async () => {
    for (const prompt of ['first lighthouse', 'second lighthouse'])
      expect((await t.request('/v1/generations', { method: 'POST', user: 'pager', json: { prompt } })).status).toBe(
        201,
      );
    const first = await t.request('/v1/generations?limit=1', { user: 'pager' });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t.request(`/v1/generations?limit=1&cursor=${first.body.nextCursor}`, { user: 'pager' });
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
  });

  it('an at that matches the pattern but is no real instant answers 400 naming at', async () => {
    for (const at of ['2026-13-45T25:99Z', '2026-02-30T12:00:00Z', '2026-11-25T24:00:00Z', '2026-11-25T12:00:60Z']) {
      const response = await t.request(`/v1/admin/users/u1/credits?at=${encodeURIComponent(at)}`);
      expect({ at, status: response.status }).toEqual({ at, status: 400 });
      expect(response.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'at' }] });
    }
    const fine = await t.request(`/v1/admin/users/u1/credits?at=${encodeURIComponent('2026-11-25T12:00:00+01:00')}`);
    expect(fine.status).toBe(200);
  });

  it('sets the HTTP server limits deliberately', () => {
    const server = t.app.getHttpServer();
    expect({
      headersTimeout: server.headersTimeout,
      requestTimeout: server.requestTimeout,
      keepAliveTimeout: server.keepAliveTimeout,
      maxRequestsPerSocket: server.maxRequestsPerSocket,
      maxConnections: server.maxConnections,
    }).toEqual({
      headersTimeout: SERVER_LIMITS.headersTimeoutMs,
      requestTimeout: SERVER_LIMITS.requestTimeoutMs,
      keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
      maxRequestsPerSocket: SERVER_LIMITS.maxRequestsPerSocket,
      maxConnections: SERVER_LIMITS.maxConnections,
    });
  });
});

describe('/metrics behind METRICS_TOKEN', () => {
  const TOKEN = 'metrics-token-0123456789';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => t.close());

  it('answers 401 without the token and 403 with another, and shows no money figures then', async () => {
    const without = await t.request('/metrics');
    expect(without.status).toBe(401);
    expect(without.body.code).toBe('unauthorized');
    expect(without.text).not.toContain('genledger_budget');
    const wrong = await t.request('/metrics', { headers: { authorization: 'Bearer not-the-metrics-token' } });
    expect(wrong.status).toBe(403);
  });

  it('answers the scrape with the token', async () => {
    const scrape = await t.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scrape.status).toBe(200);
    expect(scrape.text).toContain('genledger_budget_month_spend_usd');
  });
});

describePostgres('/health/ready with the database gone', () => {
  it('names the failed checks, never the database error text', async () => {
    const url = await createTestDatabase('ready');
    const name = new URL(url).pathname.slice(1);
    const database = await Database.open({ url, migrations: ALL_MIGRATIONS });
    const t = await startTestApp({ database });
    try {
      expect((await t.request('/health/ready')).status).toBe(200);
      const admin = new Client({ connectionString: process.env.GENLEDGER_TEST_PG_URL });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
      const ready = await t.request('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.database).toMatchObject({ status: 'down', kind: 'postgres' });
      expect(ready.body.error.migrations).toMatchObject({ status: 'down' });
      expect(ready.text).not.toContain(name);
      expect(ready.text).not.toMatch(/does not exist|terminating connection|ECONNREFUSED|administrator/i);
      const logged = t.rawLogs.join('\n');
      expect(logged).toMatch(/readiness check failed/);
    } finally {
      await t.close().catch(() => undefined);
      await database.close().catch(() => undefined);
    }
  });
});
