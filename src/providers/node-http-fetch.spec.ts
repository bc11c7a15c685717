import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeHttpFetch } from './node-http-fetch';

describe('createNodeHttpFetch', () => {
  const nodeFetch = createNodeHttpFetch();
  let server: Server;
  let base: string;
  let seen: { method?: string; headers?: Record<string, unknown>; body?: string };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen = { method: request.method, headers: request.headers, body: Buffer.concat(chunks).toString() };
        if (request.url === '/json') {
          response.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req_1' });
          response.end(JSON.stringify({ ok: true }));
        } else if (request.url === '/cut') {
          // The status and half a body, then the connection goes.
          response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          response.write('{"data": [');
          setTimeout(() => response.socket?.destroy(), 20);
        } else if (request.url === '/slow') {
          setTimeout(() => response.end('late'), 2000);
        } else if (request.url === '/slower-than-idle') {
          setTimeout(() => response.end('after 5 s'), 5000);
        } else if (request.url === '/moved') {
          response.writeHead(307, { location: '/json' });
          response.end();
        } else {
          response.writeHead(204);
          response.end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends method, headers and body, and answers with status, headers and the whole body', async () => {
    const response = await nodeFetch(`${base}/json`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: '{"prompt":"a"}',
    });
    expect(seen).toMatchObject({ method: 'POST', headers: { authorization: 'Bearer k' }, body: '{"prompt":"a"}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('req_1');
    await expect(response.json()).resolves.toEqual({ ok: true });
  });

  it('answers a status without a body with no body', async () => {
    const response = await nodeFetch(`${base}/empty`);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('rejects a refused connection as fetch does: a TypeError whose cause has the code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = (await nodeFetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('rejects with an AbortError when the signal aborts before the answer', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = (await nodeFetch(`${base}/slow`, { signal: controller.signal }).catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('AbortError');
  });

  it('waits for an answer longer than the idle-socket timeout', async () => {
    const response = await nodeFetch(`${base}/slower-than-idle`);
    await expect(response.text()).resolves.toBe('after 5 s');
  }, 10_000);

  it('answers with the status when the body is cut, and reading the body then fails', async () => {
    const response = await nodeFetch(`${base}/cut`);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow(/closed before the body ended/);
  });

  it('leaves redirects to the built-in fetch, which follows them', async () => {
    const response = await nodeFetch(`${base}/moved`);
    expect(response.status).toBe(201);
    await expect(response.json()).resolves.toEqual({ ok: true });
  });
});
