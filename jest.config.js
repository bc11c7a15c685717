/** Test levels (STYLE.md rule 11): *.spec.ts pure units beside the code, *.int-spec.ts against
 * the database (real PostgreSQL when available), test/e2e/*.e2e-spec.ts over HTTP with the fakes. */
const esmOnly = [
  '@nestjs',
  'cookie',
  'uid',
  'file-type',
  'load-esm',
  'strtok3',
  'token-types',
  '@tokenizer',
  '@borewit',
  'uint8array-extras',
  'jose',
  'content-disposition',
  '@fastify',
];
const swc = ['@swc/jest', { swcrc: true }];
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/reliability/long/'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
