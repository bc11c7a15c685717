import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Statuses whose response has no body (a `Response` refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const IDLE_SOCKET_MS = 4_000;

/**
 * A `fetch` for a provider SDK (its documented `fetch` option) on Node's own HTTP client with
 * keep-alive agents. Node's built-in fetch (undici) cost a cache miss about two thirds of the CPU
 * that all of its SQL statements cost in the driver (its Request and Response objects, web streams
 * and fetch controller); a provider call needs one small JSON request and one JSON answer.
 *
 * The answer is read whole before it is handed over. What a caller can tell apart stays as with
 * the built-in fetch:
 * - a connection that fails before an answer rejects with `TypeError('fetch failed')` whose cause
 *   is the socket's error (its `code` says whether the request was sent at all);
 * - an abort rejects with the signal's reason, an `AbortError` as the SDK expects;
 * - a body that breaks after the status line resolves with that status, and reading the body
 *   then fails (the provider answered: for image calls, a billed call);
 * - redirects and bodies other than text or bytes (multipart uploads, streams) go to the
 *   built-in fetch.
 */
export function createNodeHttpFetch(): typeof fetch {
  // An idle socket is closed after 4 s (undici's default), before a server's own keep-alive
  // timeout (5 s in Node) can close it under a request that is just being written on it. The
  // timeout only ends sockets in the free pool; a request waiting on its answer is not cut.
  const keepAlive = { keepAlive: true, timeout: IDLE_SOCKET_MS };
  const agents = { 'http:': new HttpAgent(keepAlive), 'https:': new HttpsAgent(keepAlive) } as const;
  const nodeFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const body = plainBody(init.body);
    if (input instanceof Request || body === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      return fetch(input, init);
    }
    const response = await send(url, init, body, agents[url.protocol]);
    // Following a redirect is the built-in fetch's business (the body is still at hand to resend).
    return REDIRECTS.has(response.status) && init.redirect !== 'manual' ? fetch(input, init) : response;
  };
  return nodeFetch as typeof fetch;
}

/** A body this client sends itself: none, text or bytes; `undefined` for anything else. */
function plainBody(body: RequestInit['body']): string | Uint8Array | null | undefined {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof URLSearchParams) return body.toString();
  return undefined;
}

function send(
  url: URL,
  init: RequestInit,
  body: string | Uint8Array | null,
  agent: HttpAgent | HttpsAgent,
): Promise<Response> {
  const signal = init.signal ?? undefined;
  const aborted = () => signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
  if (signal?.aborted) return Promise.reject(aborted());
  return new Promise<Response>((resolve, reject) => {
    let answered: IncomingMessage | undefined;
    let settled = false;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: init.method ?? 'GET',
      headers,
      agent,
    });
    // Errors are told apart by where they come from, not by `instanceof Error`: Node's own
    // errors belong to another realm than a test runner's globals.
    const settle = (outcome: { response: Response } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if ('response' in outcome) resolve(outcome.response);
      else reject(outcome.error as Error);
    };
    // Once the status is known, a failure is the body's: the caller reads it and fails there.
    const fail = (error: unknown) => settle(answered ? { response: brokenBody(answered, error) } : { error });
    const onAbort = () => {
      request.destroy();
      fail(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // As the built-in fetch does: a TypeError whose cause is the socket's error (and its code).
    request.on('error', (error) => fail(new TypeError('fetch failed', { cause: error })));
    request.on('response', (response) => {
      answered = response;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      const cut = () => fail(new Error('the connection closed before the body ended'));
      response.on('aborted', cut);
      response.on('close', () => (response.complete ? undefined : cut()));
      response.on('end', () => {
        if (!response.complete) return cut();
        const status = response.statusCode ?? 0;
        const whole = NULL_BODY.has(status) ? null : Buffer.concat(chunks);
        settle({
          response: new Response(whole, { status, statusText: response.statusMessage, headers: headersOf(response) }),
        });
      });
    });
    request.end(body ?? undefined);
  });
}

function headersOf(response: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** A response whose status arrived but whose body did not: reading the body fails with `error`. */
function brokenBody(response: IncomingMessage, error: unknown): Response {
  const status = response.statusCode ?? 0;
  const stream = NULL_BODY.has(status)
    ? null
    : new ReadableStream<Uint8Array>({
        start(controller) {
          controller.error(error);
        },
      });
  return new Response(stream, { status, statusText: response.statusMessage, headers: headersOf(response) });
}
