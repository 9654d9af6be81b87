// Jest runs the TypeScript sources through ts-jest in transpile-only mode (isolatedModules:
// no type checking here; `npm run typecheck` / `make lint` do that). ESM-only packages
// (oidc-provider, MikroORM, jose) load through Jest's require(esm) support, which needs
// Node >= 24.9 started with --experimental-vm-modules: `make test` sets NODE_OPTIONS.
// The global setup starts real PostgreSQL, Temporal, MinIO, the API and the worker.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const sourceDirs = [
  'lib',
  'api',
  'agent',
  'auth',
  'db',
  'workflows',
  'activities',
  'telephony',
  'audio',
  'contacts',
  'campaign',
  'scripts',
  'bench',
  'test',
];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Only the source folders: keeps Jest's crawler out of .data/, .tools/ and dist/.
  roots: sourceDirs.filter((dir) => existsSync(join(__dirname, dir))).map((dir) => `<rootDir>/${dir}`),
  testMatch: ['**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  // Sources import each other as `./x.js` (nodenext); under Jest that file is `./x.ts`.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true } }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 60_000,
};
