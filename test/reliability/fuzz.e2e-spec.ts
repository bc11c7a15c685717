import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  addressableUser,
  budgetBody,
  contentType,
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

  it('operations and unknown routes: health, metrics, dashboard, docs, any path', async () => {
    await fc.assert(
      fc.asyncProperty(
        queryString,
        pathSegment,
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        async (query, segment, method) => {
          for (const path of ['/health/live', '/health/ready', '/metrics', '/dashboard', '/docs-json'])
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
