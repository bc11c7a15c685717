import { randomBytes } from 'node:crypto';
import type { LoadRequest } from '../support/load';

/** Enough users that no single account stream or rate-limit row becomes the bottleneck. */
export const LOAD_USERS = 200;
export const PRIMED_PROMPT = 'a lighthouse on a cliff at dawn, oil painting';

export function userName(index: number): string {
  return `load-user-${String(index % LOAD_USERS).padStart(4, '0')}`;
}

/** Round-robin over the users, so requests spread across accounts as real traffic does. */
function counter(): () => number {
  let next = 0;
  return () => next++;
}

export function cacheHits(): () => LoadRequest {
  const count = counter();
  return () => ({
    path: '/v1/generations',
    headers: { 'x-user-id': userName(count()) },
    body: { prompt: PRIMED_PROMPT },
  });
}

export function creditReads(): () => LoadRequest {
  const count = counter();
  return () => ({ path: '/v1/credits', headers: { 'x-user-id': userName(count()) } });
}

/** Every generator has its own prompt prefix, so a miss stays a miss across runs on one database. */
function uniquePrompts(label: string): () => string {
  const tag = randomBytes(4).toString('hex');
  const count = counter();
  return () => `${label} ${tag} prompt number ${count()}`;
}

export function cacheMisses(label: string): () => LoadRequest {
  const count = counter();
  const prompt = uniquePrompts(label);
  return () => ({ path: '/v1/generations', headers: { 'x-user-id': userName(count()) }, body: { prompt: prompt() } });
}

/**
 * The body genledger's OpenAI provider sends for a default request (dall-e-3, 1:1, standard),
 * so the direct and gateway baselines ask the fake for exactly the same work.
 */
export function directOpenAICalls(
  label: string,
  apiKey: string,
  extraHeaders: Record<string, string> = {},
): () => LoadRequest {
  const prompt = uniquePrompts(label);
  return () => ({
    path: '/v1/images/generations',
    headers: { authorization: `Bearer ${apiKey}`, ...extraHeaders },
    body: {
      model: 'dall-e-3',
      prompt: prompt(),
      n: 1,
      size: '1024x1024',
      quality: 'standard',
      response_format: 'b64_json',
    },
  });
}
