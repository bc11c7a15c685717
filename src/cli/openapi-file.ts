import { join } from 'node:path';

/** The API contract, committed at the repository root for clients to generate code from. */
export const OPENAPI_FILE = 'openapi.json';

export function openApiFilePath(root: string): string {
  return join(root, OPENAPI_FILE);
}

/**
 * The document as it is committed: object keys sorted at every level (array order is meaningful
 * and kept), two-space indentation, one trailing newline. The same service always gives the
 * same bytes, so a diff of `openapi.json` shows only a change of contract.
 */
export function openApiFileText(document: unknown): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
