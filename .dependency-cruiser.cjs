// Layering of the service (README "Development"), checked by `npm run layering` in CI.
// Specs and test support may import anything; the rules speak of the shipped code under src/.
const FEATURES = '(billing|generation|analytics|media|providers|health|cli|user-page)';
const INFRASTRUCTURE = '(common|config|database|event-store)';
const COMPOSITION = '^src/(app\\.module|core\\.module|migrations|projections|bootstrap|main)\\.ts$';
const SPEC = '\\.(spec|int-spec|e2e-spec)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes load order matter and hides which side owns the concept.',
      from: { path: '^src/', pathNot: SPEC },
      to: { circular: true },
    },
    {
      name: 'pure-domain',
      severity: 'error',
      comment: 'domain/ is plain TypeScript (STYLE.md rule 1): no Nest, database driver, ORM or provider SDK.',
      from: { path: '^src/[^/]+/domain/', pathNot: SPEC },
      to: {
        path: 'node_modules/(@nestjs|pg|pg-[^/]+|typeorm|typeorm-pglite|@electric-sql|openai|@fal-ai|cloudinary|stripe|sharp|pdf-lib|fastify|@fastify|rxjs)(/|$)',
      },
    },
    {
      name: 'domain-imports-domain-only',
      severity: 'error',
      comment: 'A domain module depends on other domains and the shared kernel (src/common), never on adapters.',
      from: { path: '^src/([^/]+)/domain/', pathNot: SPEC },
      to: {
        path: '^src/',
        pathNot: [
          '^src/[^/]+/domain/',
          '^src/common/[^/]+\\.ts$',
          '^src/config/app-config\\.ts$',
          '^src/event-store/event-types\\.ts$',
        ],
      },
    },
    {
      name: 'no-upward-import',
      severity: 'error',
      comment: 'Only the composition root (app.module, core.module, migrations, projections) knows every module.',
      from: { path: '^src/', pathNot: [COMPOSITION, SPEC, '^src/cli/'] },
      to: { path: COMPOSITION },
    },
    {
      name: 'infrastructure-below-features',
      severity: 'error',
      comment: 'The event store, database, config and common code serve the features and never import them.',
      from: { path: `^src/${INFRASTRUCTURE}/`, pathNot: SPEC },
      to: { path: `^src/${FEATURES}/` },
    },
    {
      name: 'no-reaching-into-handlers',
      severity: 'error',
      comment: 'Another module talks to a use case through its command or query on the bus, not through its handler.',
      from: { path: '^src/([^/]+)/', pathNot: [COMPOSITION, SPEC] },
      to: { path: '^src/([^/]+)/.+\\.handler\\.ts$', pathNot: '^src/$1/' },
    },
    {
      name: 'no-foreign-migrations-or-projections',
      severity: 'error',
      comment: "A module's tables are its own: only the composition root lists its migrations and projections.",
      from: { path: '^src/([^/]+)/', pathNot: [COMPOSITION, SPEC, '^src/cli/'] },
      to: { path: ['^src/([^/]+)/migrations/', '^src/([^/]+)/.+\\.projection\\.ts$'], pathNot: '^src/$1/' },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      comment: 'Test support lives under test/ and never ships.',
      from: { path: '^src/', pathNot: SPEC },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
