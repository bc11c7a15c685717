import { SignJWT } from 'jose';
import { startTestApp, type TestApp } from '../support/test-app';

const SECRET = 'test-secret-that-is-at-least-32-characters-long';
const ADMIN = 'admin-token-0123456789';

async function jwt(
  claims: { sub?: string; aud?: string; iss?: string; exp?: number },
  secret = SECRET,
): Promise<string> {
  let builder = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (claims.sub) builder = builder.setSubject(claims.sub);
  if (claims.aud) builder = builder.setAudience(claims.aud);
  if (claims.iss) builder = builder.setIssuer(claims.iss);
  builder = builder.setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600);
  return builder.sign(new TextEncoder().encode(secret));
}

describe('service foundation over HTTP (dev auth)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('answers liveness and readiness, and serves an OpenAPI 3 document', async () => {
    expect((await t.request('/health/live')).status).toBe(200);
    const ready = await t.request('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info.database.status).toBe('up');
    expect(ready.body.info.migrations.status).toBe('up');
    const docs = await t.request('/docs-json');
    expect(docs.status).toBe(200);
    expect(docs.body.openapi).toMatch(/^3\./);
    expect(Object.keys(docs.body.paths)).toContain('/health/ready');
  });

  it('echoes a given X-Request-Id, generates one otherwise, and logs one JSON line per request with it', async () => {
    const given = await t.request('/health/live', { headers: { 'x-request-id': 'req-abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('req-abc-123');
    const generated = await t.request('/health/live');
    const id = generated.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const lines = t.logs.filter((l) => l.msg === 'request');
    const line = lines.find((l) => l.requestId === 'req-abc-123');
    expect(line).toMatchObject({ method: 'GET', status: 200, route: '/health/live' });
    expect(typeof line?.durationMs).toBe('number');
    expect(lines.some((l) => l.requestId === id)).toBe(true);
    for (const raw of t.rawLogs) expect(() => JSON.parse(raw)).not.toThrow();
  });

  it('answers unknown routes with problem+json 404', async () => {
    const response = await t.request('/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      status: 404,
      code: 'not_found',
      title: expect.any(String),
      type: expect.any(String),
    });
  });
});

describe('JWT auth and admin token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        AUTH_JWT_SECRET: SECRET,
        AUTH_JWT_AUDIENCE: 'genledger',
        AUTH_JWT_ISSUER: 'https://issuer.test',
        ADMIN_TOKEN: ADMIN,
      },
    });
  });
  afterAll(async () => t.close());

  const userRoute = '/v1/credits';
  const adminRoute = '/v1/admin/budget';

  it('rejects a user call without credentials with 401 problem+json', async () => {
    const response = await t.request(userRoute);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('unauthorized');
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('rejects tokens signed with another secret, expired, or for another audience or issuer', async () => {
    const ok = { sub: 'u1', aud: 'genledger', iss: 'https://issuer.test' };
    const cases = [
      await jwt(ok, 'another-secret-that-is-at-least-32-characters'),
      await jwt({ ...ok, exp: Math.floor(Date.now() / 1000) - 60 }),
      await jwt({ ...ok, aud: 'someone-else' }),
      await jwt({ ...ok, iss: 'https://evil.test' }),
      'not.a.jwt',
    ];
    for (const token of cases) {
      const response = await t.request(userRoute, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('unauthorized');
      expect(response.text).not.toContain(token);
    }
  });

  it('ignores X-User-Id in JWT mode', async () => {
    expect((await t.request(userRoute, { user: 'u1' })).status).toBe(401);
  });

  it('refuses admin routes to a user token and to no token; accepts the admin token', async () => {
    const userToken = await jwt({ sub: 'u1', aud: 'genledger', iss: 'https://issuer.test' });
    const asUser = await t.request(adminRoute, { headers: { authorization: `Bearer ${userToken}` } });
    expect([401, 403]).toContain(asUser.status);
    expect((await t.request(adminRoute)).status).toBe(401);
    const asAdmin = await t.request(adminRoute, { admin: ADMIN });
    expect(asAdmin.status).toBe(200);
  });

  it('never logs tokens', async () => {
    const token = await jwt({ sub: 'u1', aud: 'genledger', iss: 'https://issuer.test' });
    await t.request(userRoute, { headers: { authorization: `Bearer ${token}` } });
    await t.request(adminRoute, { admin: ADMIN });
    const all = t.rawLogs.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(ADMIN);
  });
});
