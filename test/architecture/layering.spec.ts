import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** Runs the project's layering rules over a tree; returns the names of the rules it broke. */
function brokenRules(cwd: string): string[] {
  const run = spawnSync(
    process.execPath,
    [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
    { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (!run.stdout) throw new Error(`dependency-cruiser did not run: ${run.stderr}`);
  const result = JSON.parse(run.stdout) as { summary: { violations: Array<{ rule: { name: string } }> } };
  return [...new Set(result.summary.violations.map((violation) => violation.rule.name))].sort();
}

/** A throwaway tree with the project's rules, its dependencies and the given source files. */
function treeWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'genledger-layering-'));
  copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'commonjs', target: 'ES2022', experimentalDecorators: true } }),
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('layering rules (.dependency-cruiser.cjs)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const check = (files: Record<string, string>) => {
    const dir = treeWith(files);
    dirs.push(dir);
    return brokenRules(dir);
  };

  it('pass on the code base as it is', () => {
    expect(brokenRules(ROOT)).toEqual([]);
  });

  it('fail on a deliberately bad import of each kind', () => {
    const broken = check({
      // Nest in a pure domain.
      'src/billing/domain/account.ts': "import { Injectable } from '@nestjs/common';\nexport const a = Injectable;\n",
      // The event store importing a feature.
      'src/event-store/event-store.ts': "import { b } from '../billing/billing.jobs';\nexport const s = b;\n",
      'src/billing/billing.jobs.ts': 'export const b = 1;\n',
      // Another module's handler instead of its command.
      'src/generation/generate-image/process.ts':
        "import { H } from '../../billing/reserve-credits/reserve-credits.handler';\nexport const p = H;\n",
      'src/billing/reserve-credits/reserve-credits.handler.ts': 'export class H {}\n',
      // A cycle.
      'src/media/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'src/media/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
      // A module importing the composition root.
      'src/analytics/x.ts': "import { ALL } from '../projections';\nexport const x = ALL;\n",
      'src/projections.ts': 'export const ALL = [];\n',
    });
    expect(broken).toEqual([
      'infrastructure-below-features',
      'no-circular',
      'no-reaching-into-handlers',
      'no-upward-import',
      'pure-domain',
    ]);
  });
});
