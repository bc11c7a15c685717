import { join } from 'node:path';
import { FAKE_CREDENTIALS } from '../../test/fakes';
import { freePort, startChild, startGenledger, type ChildService } from '../support/service-process';
import { GenledgerClient } from '../support/genledger-client';
import { warmThenMeasure, type Measured, type Target, type Timing } from './measure';
import { cacheMisses, directOpenAICalls, LOAD_USERS, userName } from './workloads';

export const PROVIDER_LATENCY_MS = 200;
/** The figure is at 50 concurrent users; one connection shows the cost without queueing. */
export const OVERHEAD_CONNECTIONS = [1, 50] as const;

export type OverheadPath = 'direct' | 'genledger' | 'portkey';

export type OverheadRow = Measured & {
  readonly path: OverheadPath;
  readonly connections: number;
  readonly addedP50Ms: number;
  readonly addedP99Ms: number;
};

/**
 * What genledger adds to a provider call, against what a thin proxy adds: an OpenAI endpoint with
 * a fixed latency, called directly, through genledger (cache misses: reserve, call, re-host the
 * image, capture, events) and through Portkey's open-source gateway, at the same concurrency and
 * with unique prompts.
 */
export async function measureProviderOverhead(databaseUrl: string, timing: Timing): Promise<OverheadRow[]> {
  const apiKey = FAKE_CREDENTIALS.openaiApiKey;
  const services: ChildService[] = [];
  try {
    const provider = await startChild(join(__dirname, 'fixed-latency-openai.js'), {
      env: { LATENCY_MS: String(PROVIDER_LATENCY_MS), OPENAI_API_KEY: apiKey },
      ready: { line: /listening/ },
    });
    services.push(provider);
    const genledger = await startGenledger({
      DATABASE_URL: databaseUrl,
      OPENAI_API_KEY: apiKey,
      OPENAI_BASE_URL: `${provider.url}/v1`,
      RATE_LIMIT_PER_MINUTE: '1000000',
      BUDGET_MONTHLY_CAP_USD: '1000000',
    });
    services.push(genledger);
    await grantEveryLoadUser(new GenledgerClient(genledger.url));
    const portkeyPort = await freePort();
    const portkey = await startChild(require.resolve('@portkey-ai/gateway/build/start-server.js'), {
      port: portkeyPort,
      nodeArgs: ['--require', join(__dirname, '..', 'support', 'loopback-only.js')],
      args: [`--port=${portkeyPort}`, '--headless'],
      ready: { line: /Ready for connections/ },
    });
    services.push(portkey);
    const portkeyHeaders = { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${provider.url}/v1` };

    const paths: ReadonlyArray<{
      path: OverheadPath;
      process: ChildService;
      target: () => Target;
      databaseUrl?: string;
    }> = [
      {
        path: 'direct',
        process: provider,
        target: () => ({ url: provider.url, next: directOpenAICalls('direct', apiKey) }),
      },
      {
        path: 'genledger',
        process: genledger,
        target: () => ({ url: genledger.url, next: cacheMisses('overhead') }),
        databaseUrl,
      },
      {
        path: 'portkey',
        process: portkey,
        target: () => ({ url: portkey.url, next: directOpenAICalls('portkey', apiKey, portkeyHeaders) }),
      },
    ];
    const rows: OverheadRow[] = [];
    for (const connections of OVERHEAD_CONNECTIONS) {
      const measured = new Map<OverheadPath, Measured>();
      for (const { path, process, target, databaseUrl: url } of paths) {
        measured.set(path, await warmThenMeasure([process], [target()], connections, timing, url));
      }
      const direct = measured.get('direct')!;
      for (const [path, result] of measured) {
        rows.push({
          ...result,
          path,
          connections,
          addedP50Ms: result.p50Ms - direct.p50Ms,
          addedP99Ms: result.p99Ms - direct.p99Ms,
        });
      }
    }
    return rows;
  } finally {
    for (const service of services.reverse()) await service.stop();
  }
}

/** Paid credits for everyone the load runs as, so no request stops at the free quota. */
export async function grantEveryLoadUser(client: GenledgerClient): Promise<void> {
  for (let i = 0; i < LOAD_USERS; i++) await client.grant(userName(i), 1_000_000);
}
