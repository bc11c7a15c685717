import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../support/test-app';

const SECRET = 'test-secret-that-is-at-least-32-characters-long';
const ISSUER = 'https://idp.test/';
const AUDIENCE = 'genledger';
const now = () => Math.floor(Date.now() / 1000);

interface Claims {
  readonly sub?: string;
  readonly iss?: string;
  readonly aud?: string;
  readonly iat?: number;
  readonly exp?: number;
  readonly nbf?: number;
}

function sign(claims: Claims, key: Parameters<SignJWT['sign']>[0], alg: string): Promise<string> {
  const payload: JWTPayload = { ...claims };
  return new SignJWT(payload).setProtectedHeader({ alg, kid: 'k1' }).sign(key);
}

describe('HS256 tokens: exp required, lifetime capped, nbf honoured', () => {
  let t: TestApp;
  const key = new TextEncoder().encode(SECRET);
  beforeAll(async () => {
    t = await startTestApp({ env: { AUTH_JWT_SECRET: SECRET, AUTH_JWT_MAX_AGE_SECONDS: '3600' } });
  });
  afterAll(async () => t.close());

  const call = async (token: string) => t.request('/v1/credits', { headers: { authorization: `Bearer ${token}` } });

  it('accepts a token within the maximum age', async () => {
    const response = await call(await sign({ sub: 'u1', iat: now(), exp: now() + 3000 }, key, 'HS256'));
    expect(response.status).toBe(200);
    expect(response.body.userId).toBe('u1');
  });

  it('refuses a token without exp, whatever else it carries', async () => {
    const response = await call(await sign({ sub: 'u1', iat: now() }, key, 'HS256'));
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'unauthorized', detail: expect.stringContaining('exp') });
  });

  it('refuses a token whose exp lies beyond the maximum age, with or without iat', async () => {
    const withIat = await call(await sign({ sub: 'u1', iat: now(), exp: now() + 3600 * 24 * 365 }, key, 'HS256'));
    expect(withIat.status).toBe(401);
    expect(withIat.body.detail).toMatch(/lifetime beyond 3600 s/);
    const withoutIat = await call(await sign({ sub: 'u1', exp: now() + 7200 }, key, 'HS256'));
    expect(withoutIat.status).toBe(401);
    const backdated = await call(await sign({ sub: 'u1', iat: now() - 3500, exp: now() + 3500 }, key, 'HS256'));
    expect(backdated.status).toBe(401);
  });

  it('refuses a token not valid yet (nbf) beyond the clock tolerance, and one issued in the future', async () => {
    const early = await call(await sign({ sub: 'u1', nbf: now() + 600, exp: now() + 1200 }, key, 'HS256'));
    expect(early.status).toBe(401);
    expect(early.body.detail).toMatch(/nbf/);
    const future = await call(await sign({ sub: 'u1', iat: now() + 600, exp: now() + 1200 }, key, 'HS256'));
    expect(future.status).toBe(401);
    const withinTolerance = await call(await sign({ sub: 'u1', nbf: now() + 5, exp: now() + 1200 }, key, 'HS256'));
    expect(withinTolerance.status).toBe(200);
  });
});

describe('JWKS tokens: only for this issuer and audience', () => {
  let t: TestApp;
  let jwks: Server;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const body = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] });
    jwks = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((done) => jwks.listen(0, '127.0.0.1', done));
    const { port } = jwks.address() as AddressInfo;
    t = await startTestApp({
      env: {
        AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
        AUTH_JWT_ISSUER: ISSUER,
        AUTH_JWT_AUDIENCE: AUDIENCE,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    jwks?.closeAllConnections();
    await new Promise((done) => jwks?.close(done));
  });

  const call = async (claims: Claims) =>
    t.request('/v1/credits', {
      headers: { authorization: `Bearer ${await sign(claims, privateKey, 'ES256')}` },
    });

  it('accepts a token of this issuer for this audience', async () => {
    const response = await call({ sub: 'u1', iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 600 });
    expect(response.status).toBe(200);
  });

  it('refuses a token the shared identity provider issued for another application, or another issuer', async () => {
    const foreignAudience = await call({ sub: 'u1', iss: ISSUER, aud: 'other-app', iat: now(), exp: now() + 600 });
    expect(foreignAudience.status).toBe(401);
    expect(foreignAudience.body.detail).toMatch(/aud/);
    const noAudience = await call({ sub: 'u1', iss: ISSUER, iat: now(), exp: now() + 600 });
    expect(noAudience.status).toBe(401);
    const foreignIssuer = await call({ sub: 'u1', iss: 'https://other-idp.test/', aud: AUDIENCE, exp: now() + 600 });
    expect(foreignIssuer.status).toBe(401);
    expect(foreignIssuer.body.detail).toMatch(/iss/);
  });

  it('refuses a JWKS token without exp or beyond the default maximum age of a day', async () => {
    expect((await call({ sub: 'u1', iss: ISSUER, aud: AUDIENCE, iat: now() })).status).toBe(401);
    const year = await call({ sub: 'u1', iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 86_400 * 365 });
    expect(year.status).toBe(401);
  });
});

/** node:http, because fetch will not send a Host header other than the URL's. */
function getWithHost(url: string, path: string, host: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { headers: { ...headers, host } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dev auth answers loopback requests to a loopback Host only', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('accepts X-User-Id with a loopback Host, by name or address', async () => {
    for (const host of ['localhost', `127.0.0.1:${new URL(t.url).port}`, '[::1]:3000']) {
      const response = await getWithHost(t.url, '/v1/credits', host, { 'x-user-id': 'u1' });
      expect({ host, status: response.status }).toEqual({ host, status: 200 });
    }
  });

  it('refuses user and admin calls naming another host (a reverse proxy, DNS rebinding)', async () => {
    for (const host of ['genledger.example.com', 'attacker.test:80', '127.0.0.1.nip.io', '10.0.0.7']) {
      const user = await getWithHost(t.url, '/v1/credits', host, { 'x-user-id': 'u1' });
      expect({ host, status: user.status, code: user.body.code }).toEqual({ host, status: 401, code: 'unauthorized' });
      const admin = await getWithHost(t.url, '/v1/admin/budget', host);
      expect({ host, status: admin.status }).toEqual({ host, status: 401 });
    }
    expect((await getWithHost(t.url, '/health/live', 'genledger.example.com')).status).toBe(200);
  });
});
