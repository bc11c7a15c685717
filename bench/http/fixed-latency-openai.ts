/**
 * An OpenAI images endpoint that does no work: after a fixed delay it answers every valid
 * `POST /v1/images/generations` with the same pre-encoded PNG of the requested size. The shared
 * fake (test/fakes) paints a new PNG for every prompt; with the unique prompts a cache-miss
 * benchmark needs, that painting saturates a small machine long before 50 connections and would
 * be measured as provider latency. Here the provider costs a timer and a write, so the three
 * paths (direct, genledger, gateway) differ only by what sits between client and provider.
 *
 *   PORT=4010 LATENCY_MS=200 OPENAI_API_KEY=... node dist/bench/http/fixed-latency-openai.js
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import sharp from 'sharp';

const SIZES = ['1024x1024', '1792x1024', '1024x1792'] as const;

async function main(): Promise<void> {
  const latencyMs = Number(process.env.LATENCY_MS ?? 200);
  const apiKey = process.env.OPENAI_API_KEY ?? '';
  const images = new Map<string, string>();
  for (const size of SIZES) {
    const [width, height] = size.split('x').map(Number) as [number, number];
    const png = await sharp({ create: { width, height, channels: 3, background: { r: 29, g: 53, b: 87 } } })
      .png()
      .toBuffer();
    images.set(size, png.toString('base64'));
  }
  const server = createServer((request, response) => void answer(request, response, { latencyMs, apiKey, images }));
  server.keepAliveTimeout = 10_000;
  server.listen(Number(process.env.PORT), '127.0.0.1', () =>
    process.stdout.write(`fixed-latency OpenAI listening, ${latencyMs} ms\n`),
  );
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  settings: { latencyMs: number; apiKey: string; images: Map<string, string> },
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  await new Promise((resolve) => setTimeout(resolve, settings.latencyMs));
  if (request.headers.authorization !== `Bearer ${settings.apiKey}`)
    return reply(response, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error' } });
  if (request.method !== 'POST' || request.url !== '/v1/images/generations')
    return reply(response, 404, { error: { message: 'Invalid URL' } });
  let body: { size?: string; prompt?: string };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
  } catch {
    return reply(response, 400, { error: { message: 'We could not parse the JSON body of your request.' } });
  }
  const image = settings.images.get(body.size ?? '1024x1024');
  if (!image || typeof body.prompt !== 'string')
    return reply(response, 400, { error: { message: 'Invalid size or prompt.' } });
  reply(response, 200, {
    created: Math.floor(Date.now() / 1000),
    data: [{ b64_json: image, revised_prompt: body.prompt }],
  });
}

function reply(response: ServerResponse, status: number, body: object): void {
  const bytes = Buffer.from(JSON.stringify(body));
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(bytes.length),
    'x-request-id': `req_${Date.now()}`,
  });
  response.end(bytes);
}

main().catch((error: unknown) => {
  process.stderr.write(`fixed-latency OpenAI: ${String(error)}\n`);
  process.exit(1);
});
