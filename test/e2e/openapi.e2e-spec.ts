import { readFileSync } from 'node:fs';
import { OPENAPI_FILE, openApiFilePath, openApiFileText } from '../../src/cli/openapi-file';
import { startTestApp, type TestApp } from '../support/test-app';

/** JSON pointers where two documents differ, for a message that says what drifted. */
function differences(committed: unknown, served: unknown, at = ''): string[] {
  if (JSON.stringify(committed) === JSON.stringify(served)) return [];
  if (
    committed === null ||
    served === null ||
    typeof committed !== 'object' ||
    typeof served !== 'object' ||
    Array.isArray(committed) !== Array.isArray(served)
  )
    return [at || '/'];
  const keys = new Set([...Object.keys(committed), ...Object.keys(served)]);
  return [...keys].flatMap((key) =>
    differences(
      (committed as Record<string, unknown>)[key],
      (served as Record<string, unknown>)[key],
      `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
    ),
  );
}

describe(`${OPENAPI_FILE}, the committed API contract`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('is exactly what the service serves at GET /docs-json', async () => {
    const response = await t.request('/docs-json');
    expect(response.status).toBe(200);
    const served = openApiFileText(response.body);
    const committed = readFileSync(openApiFilePath(process.cwd()), 'utf8');
    if (committed !== served) {
      const drifted = differences(JSON.parse(committed), JSON.parse(served));
      throw new Error(
        `${OPENAPI_FILE} does not match GET /docs-json` +
          (drifted.length > 0 ? ` at ${drifted.slice(0, 10).join(', ')}${drifted.length > 10 ? ', ...' : ''}` : '') +
          `. Run \`npm run openapi\` and commit ${OPENAPI_FILE}.`,
      );
    }
  });

  it('documents the user calls a frontend generates its client from', () => {
    const document = JSON.parse(readFileSync(openApiFilePath(process.cwd()), 'utf8'));
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/credits',
        '/v1/generations',
        '/v1/generations/{id}',
        '/v1/generations/{id}/selection',
      ]),
    );
  });
});
