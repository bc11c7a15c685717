import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  addressableUser,
  budgetBody,
  contentType,
  fuzzedHeaders,
  generationBody,
  grantBody,
  headerValue,
  pathSegment,
  queryString,
  rawBody,
  rebuildBody,
  selectionBody,
  userIdHeader,
  validUserId,
} from './support/fuzz-inputs';

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly user?: string;
  readonly contentType?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/** Small prints only: a fuzzed selection that passes validation renders, and must do so quickly. */
const ENV = { PRINT_MAX_PIXELS: '4000000' };
const RUNS = 40;

describe('bad input fuzz over every public route: 2xx or 4xx only, and no charge on a 4xx', () => {
  let t: TestApp;
  let generationId: string;
  const owner = 'fuzz-owner';

  beforeAll(async () => {
    t = await startTestApp({ env: ENV });
    generationId = (
      await t.request('/v1/generations', { method: 'POST', user: owner, json: { prompt: 'a fuzzed lighthouse' } })
    ).body.id;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  async function send(sent: Sent): Promise<{ status: number; contentType: string }> {
    const headers: Record<string, string> = { ...sent.headers };
    if (sent.user !== undefined) headers['x-user-id'] = sent.user;
    if (sent.contentType !== undefined) headers['content-type'] = sent.contentType;
    const response = await fetch(`${t.url}${sent.path}`, { method: sent.method, headers, body: sent.body });
    await response.arrayBuffer();
    return { status: response.status, contentType: response.headers.get('content-type') ?? '' };
  }

  async function expectClean(sent: Sent): Promise<number> {
    const { status, contentType: type } = await send(sent);
    if (status >= 500 || status < 200 || (status >= 300 && status < 400)) {
      throw new Error(`${sent.method} ${sent.path} answered ${status} to ${JSON.stringify(sent)}`);
    }
    if (status >= 400 && !type.startsWith('application/problem+json'))
      throw new Error(`${status} without problem+json (${type}) for ${JSON.stringify(sent)}`);
    return status;
  }

  const eventCount = async (user: string): Promise<number> =>
    (await t.request(`/v1/admin/users/${user}/events`)).body.events.length;

  it('POST /v1/generations: bodies, content types, user and Idempotency-Key headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        userIdHeader,
        contentType,
        rawBody(generationBody),
        fc.option(headerValue, { nil: undefined }),
        async (user, type, body, key) => {
          const traceable = addressableUser(user);
          const before = traceable ? await eventCount(user) : 0;
          const status = await expectClean({
            method: 'POST',
            path: '/v1/generations',
            user,
            contentType: type,
            body,
            headers: key === undefined ? {} : { 'idempotency-key': key },
          });
          if (status >= 400 && traceable) expect(await eventCount(user)).toBe(before);
        },
      ),
      { numRuns: 100, examples: [['fuzz-user', 'application/json', '{"prompt":"ok","tier":1e-7}', undefined]] },
    );
  }, 240_000);

  it('GET /v1/credits and GET /v1/generations[/{id}]: user headers, ids and query strings', async () => {
    await fc.assert(
      fc.asyncProperty(userIdHeader, pathSegment, queryString, async (user, id, query) => {
        await expectClean({ method: 'GET', path: `/v1/credits?${query}`, user });
        await expectClean({ method: 'GET', path: `/v1/generations/${id}`, user });
        await expectClean({ method: 'GET', path: `/v1/generations?${query}`, user });
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it("POST /v1/generations/{id}/selection: ids (the owner's among them) and bodies", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(generationId), pathSegment),
        fc.oneof(fc.constant(owner), validUserId),
        rawBody(selectionBody),
        contentType,
        async (id, user, body, type) => {
          await expectClean({ method: 'POST', path: `/v1/generations/${id}/selection`, user, body, contentType: type });
        },
      ),
      {
        numRuns: RUNS,
        examples: [[generationId, owner, '{"widthInches":1e-7,"heightInches":12}', 'application/json']],
      },
    );
  }, 240_000);

  it('admin calls: user ids, grants, the at query, analytics ranges and projection rebuilds', async () => {
    await fc.assert(
      fc.asyncProperty(
        pathSegment,
        queryString,
        rawBody(grantBody),
        rawBody(rebuildBody),
        contentType,
        async (user, query, grant, rebuild, type) => {
          await expectClean({ method: 'GET', path: `/v1/admin/users/${user}/credits?${query}`, contentType: type });
          await expectClean({
            method: 'POST',
            path: `/v1/admin/users/${user}/credits`,
            body: grant,
            contentType: type,
          });
          await expectClean({ method: 'GET', path: `/v1/admin/users/${user}/events?${query}` });
          await expectClean({ method: 'GET', path: `/v1/admin/analytics/summary?${query}` });
          await expectClean({ method: 'GET', path: `/v1/admin/analytics/daily?${query}` });
          await expectClean({
            method: 'POST',
            path: '/v1/admin/projections/rebuild',
            body: rebuild,
            contentType: type,
          });
        },
      ),
      { numRuns: 30 },
    );
  }, 240_000);

  it('operations and unknown routes: health, metrics, the pages, docs, any path', async () => {
    await fc.assert(
      fc.asyncProperty(
        queryString,
        pathSegment,
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        async (query, segment, method) => {
          for (const path of ['/health/live', '/health/ready', '/metrics', '/dashboard', '/', '/docs-json'])
            await expectClean({ method: 'GET', path: `${path}?${query}` });
          await expectClean({ method, path: `/${segment}/${segment}?${query}` });
        },
      ),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('PUT /v1/admin/budget, last because it moves the caps every other test relies on', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody(budgetBody), contentType, async (body, type) => {
        await expectClean({ method: 'PUT', path: '/v1/admin/budget', body, contentType: type });
        await expectClean({ method: 'GET', path: '/v1/admin/budget' });
      }),
      {
        numRuns: RUNS,
        examples: [
          ['{"capUsd":1e-7}', 'application/json'],
          ['{"capUsd":100,"hardCapUsd":5e-324}', 'application/json'],
        ],
      },
    );
  }, 120_000);
});

interface Route {
  readonly method: string;
  /** With `{name}` for each path parameter. */
  readonly path: string;
}

/** Routes the OpenAPI document leaves out: file URLs handed out in answers, and the pages and their assets. */
const UNDOCUMENTED: readonly Route[] = [
  { method: 'GET', path: '/media/{key}' },
  { method: 'GET', path: '/dashboard' },
  { method: 'GET', path: '/dashboard/assets/{name}' },
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/assets/{name}' },
  { method: 'GET', path: '/docs-json' },
];

describe.each([
  ['PostgreSQL when the run has it', false],
  ['the embedded database (PGlite)', true],
])('query strings, path parameters and headers of every route on %s: never a 5xx', (_, embedded) => {
  let t: TestApp;
  let routes: Route[];
  const owner = 'edge-owner';
  const known: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ env: ENV, embedded });
    const made = await t.request('/v1/generations', {
      method: 'POST',
      user: owner,
      json: { prompt: 'an edge lighthouse' },
    });
    known.id = made.body.id;
    known.key = new URL(made.body.image.url).pathname.slice('/media/'.length);
    known.userId = owner;
    known.name = 'uPlot.min.css';
    const document = (await t.request('/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
    routes = [
      ...Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })),
      ),
      ...UNDOCUMENTED,
    ];
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  const parameterValue = (name: string) =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constant(known[name] ?? 'x') },
      { weight: 3, arbitrary: pathSegment },
      { weight: 1, arbitrary: fc.constantFrom('..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f', 'a%00b', '%E0%A4%A', ' ') },
    );

  it('every documented route and the undocumented ones are exercised', () => {
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes).toEqual(
      expect.arrayContaining([
        { method: 'GET', path: '/v1/generations' },
        { method: 'GET', path: '/v1/admin/users/{userId}/credits' },
        { method: 'POST', path: '/v1/generations/{id}/selection' },
      ]),
    );
  });

  it('answers 2xx or 4xx (problem+json) to fuzzed query strings, path parameters and headers', async () => {
    for (const route of routes) {
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(...names.map(parameterValue)),
          queryString,
          fuzzedHeaders,
          async (values, query, headers) => {
            const path = names.reduce((built, name, i) => built.replace(`{${name}}`, values[i]!), route.path);
            const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? '{}' : undefined;
            const response = await fetch(`${t.url}${path}?${query}`, { method: route.method, headers, body });
            await response.arrayBuffer();
            const type = response.headers.get('content-type') ?? '';
            const sent = JSON.stringify({ route, path, query, headers });
            if (response.status >= 500 || response.status < 200 || (response.status >= 300 && response.status < 400))
              throw new Error(`${route.method} ${path} answered ${response.status} to ${sent}`);
            if (response.status >= 400 && !type.startsWith('application/problem+json'))
              throw new Error(`${response.status} without problem+json (${type}) for ${sent}`);
          },
        ),
        { numRuns: RUNS / 2 },
      );
    }
  }, 300_000);

  it('the crafted cursor and at of the issue answer 400 naming the parameter', async () => {
    const cursor = Buffer.from(JSON.stringify(['1', 'x'])).toString('base64url');
    const list = await t.request(`/v1/generations?cursor=${cursor}`, { user: owner });
    expect(list.status).toBe(400);
    expect(list.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'cursor' }] });
    const at = await t.request(`/v1/admin/users/${owner}/credits?at=2026-13-45T25:99Z`);
    expect(at.status).toBe(400);
    expect(at.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'at' }] });
  });
});
