/** What genledger answered: the status, the parsed body (JSON or text) and the headers. */
export interface Reply<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface CallOptions {
  readonly user?: string;
  readonly json?: unknown;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

export interface LedgerEvent {
  readonly globalPosition: number;
  readonly streamId: string;
  readonly type: string;
  readonly data: any;
}

/**
 * The calls a load test or benchmark makes, over HTTP in dev auth mode (`X-User-Id`; admin calls
 * without a token). A network failure is a reply with status 0, so a caller counts it like any
 * other failure instead of losing the whole run to one rejected promise.
 */
export class GenledgerClient {
  constructor(readonly baseUrl: string) {}

  async call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.user !== undefined) headers['x-user-id'] = options.user;
    if (options.json !== undefined) headers['content-type'] ??= 'application/json';
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.json === undefined ? undefined : JSON.stringify(options.json),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const text = await response.text();
      return { status: response.status, body: parse(text) as T, headers: response.headers };
    } catch (error) {
      return { status: 0, body: { error: (error as Error).message } as T, headers: new Headers() };
    }
  }

  generate(user: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<Reply> {
    return this.call('POST', '/v1/generations', { user, json: body, headers });
  }

  async grant(user: string, credits: number, externalId?: string): Promise<void> {
    const reply = await this.call('POST', `/v1/admin/users/${encodeURIComponent(user)}/credits`, {
      json: { credits, reason: 'load test', ...(externalId ? { externalId } : {}) },
    });
    if (reply.status !== 201)
      throw new Error(`granting ${credits} credits to ${user}: ${reply.status} ${JSON.stringify(reply.body)}`);
  }

  async credits(user: string): Promise<Record<string, any>> {
    return this.ok(await this.call('GET', '/v1/credits', { user }), `credits of ${user}`);
  }

  async events(user: string): Promise<LedgerEvent[]> {
    return (
      await this.ok(await this.call('GET', `/v1/admin/users/${encodeURIComponent(user)}/events`), `events of ${user}`)
    ).events;
  }

  async budget(): Promise<Record<string, any>> {
    return this.ok(await this.call('GET', '/v1/admin/budget'), 'budget');
  }

  private ok(reply: Reply, what: string): any {
    if (reply.status !== 200) throw new Error(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
