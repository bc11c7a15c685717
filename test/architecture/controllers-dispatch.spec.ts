import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const BUSES = ['CommandBus', 'QueryBus'];

/**
 * Framework services a controller may take besides the buses, by file. Keep it short: anything of
 * this project's own goes through a command or a query.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  // Terminus builds the health response from indicator results; the checks themselves are queries.
  'src/health/health.controller.ts': ['HealthCheckService', 'HealthIndicatorService'],
};

/** What each class in `source` takes in its constructor: the parameter's type, else its `@Inject` token. */
function constructorInjections(path: string, source: string): string[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const injected: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isConstructorDeclaration(node)) {
      for (const parameter of node.parameters) injected.push(injectedName(parameter, file));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return injected;
}

function injectedName(parameter: ts.ParameterDeclaration, file: ts.SourceFile): string {
  if (parameter.type && ts.isTypeReferenceNode(parameter.type)) return parameter.type.typeName.getText(file);
  for (const decorator of ts.getDecorators(parameter) ?? []) {
    const call = decorator.expression;
    if (ts.isCallExpression(call) && call.expression.getText(file) === 'Inject' && call.arguments[0]) {
      return call.arguments[0].getText(file);
    }
  }
  return parameter.type?.getText(file) ?? parameter.name.getText(file);
}

/**
 * Controllers and scheduled jobs only dispatch (STYLE.md rules 6 and 12): a controller takes the
 * buses and nothing else of the project; a job takes no service and no Database.
 */
function dispatchViolations(files: ReadonlyArray<{ path: string; source: string }>): string[] {
  const violations: string[] = [];
  for (const { path, source } of files) {
    const injected = constructorInjections(path, source);
    if (path.endsWith('.controller.ts')) {
      const allowed = [...BUSES, ...(ALLOWED[path] ?? [])];
      for (const name of injected.filter((name) => !allowed.includes(name))) {
        violations.push(`${path} injects ${name}`);
      }
    } else if (path.endsWith('.jobs.ts')) {
      for (const name of injected.filter((name) => name === 'Database' || name.endsWith('Service'))) {
        violations.push(`${path} injects ${name}`);
      }
    }
  }
  return violations;
}

function sourcesUnder(dir: string): Array<{ path: string; source: string }> {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.controller.ts') || name.endsWith('.jobs.ts'))
    .map((name) => join(ROOT, dir, name))
    .map((file) => ({ path: relative(ROOT, file).split('\\').join('/'), source: readFileSync(file, 'utf8') }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

describe('controllers and jobs only dispatch on the buses', () => {
  it('hold for every controller and job under src/', () => {
    expect(dispatchViolations(sourcesUnder('src'))).toEqual([]);
  });

  it('fail on a controller that injects a service, the database or a handler', () => {
    const source = `
      @Controller('v1/things')
      export class ThingsController {
        constructor(
          private readonly queryBus: QueryBus,
          private readonly things: ThingsService,
          private readonly database: Database,
          @Inject(APP_CONFIG) private readonly config: AppConfig,
          private readonly handler: MakeThingHandler,
        ) {}
      }`;
    expect(dispatchViolations([{ path: 'src/things/things.controller.ts', source }])).toEqual([
      'src/things/things.controller.ts injects ThingsService',
      'src/things/things.controller.ts injects Database',
      'src/things/things.controller.ts injects AppConfig',
      'src/things/things.controller.ts injects MakeThingHandler',
    ]);
  });

  it('fail on a job that injects a service or the database, and on an allow-listed name elsewhere', () => {
    const job = `
      @Injectable()
      export class ThingsJobs {
        constructor(
          private readonly commandBus: CommandBus,
          private readonly things: ThingsService,
          private readonly database: Database,
          @Optional() private readonly scheduler?: SchedulerRegistry,
        ) {}
      }`;
    const controller = `export class OtherController { constructor(private readonly health: HealthCheckService) {} }`;
    expect(
      dispatchViolations([
        { path: 'src/things/things.jobs.ts', source: job },
        { path: 'src/things/other.controller.ts', source: controller },
      ]),
    ).toEqual([
      'src/things/things.jobs.ts injects ThingsService',
      'src/things/things.jobs.ts injects Database',
      'src/things/other.controller.ts injects HealthCheckService',
    ]);
  });

  it('pass a controller that takes only the buses', () => {
    const source = `export class OkController { constructor(private readonly commandBus: CommandBus, private readonly queryBus: QueryBus) {} }`;
    expect(dispatchViolations([{ path: 'src/things/ok.controller.ts', source }])).toEqual([]);
  });
});
