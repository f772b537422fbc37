// Three tiers (docs/architecture.md): unit specs (no database, no network beyond loopback), integration against
// real Postgres and PGlite, e2e with the whole app, the simulator, the real SDK and Chromium. All compiled by swc.
const fs = require('node:fs');
const swc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const transform = { '^.+\\.(ts|js)$': ['@swc/jest', { ...swc, swcrc: false }] };
// Jest's module system cannot require() ES modules; these few ESM-only dependencies are compiled to CommonJS.
const esmDependencies = ['content-disposition'];
const common = {
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${esmDependencies.join('|')})/)`],
  // Fails a test file that leaves a server, socket, child process or timer behind, and attaches the captured
  // service logs to a failing test.
  testEnvironment: '<rootDir>/test/support/jest/environment.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/jest/capture-logs.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Not in the system temp directory: a test run leaves nothing behind in /tmp.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};
// Stops what global-setup started and makes sure the run ends, even if something was left open.
const teardown = { globalTeardown: '<rootDir>/test/support/jest/global-teardown.ts' };
// Postgres for the tiers that need it: TEST_DATABASE_URL when it answers, else an embedded server for the run.
const withPostgres = { ...teardown, globalSetup: '<rootDir>/test/support/jest/global-setup.ts' };

module.exports = {
  projects: [
    {
      ...common,
      ...teardown,
      displayName: 'unit',
      roots: ['<rootDir>/src', '<rootDir>/test'],
      testMatch: ['**/*.spec.ts'],
    },
    {
      ...common,
      ...withPostgres,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.integration-spec.ts'],
    },
    { ...common, ...withPostgres, displayName: 'e2e', roots: ['<rootDir>/test'], testMatch: ['**/*.e2e-spec.ts'] },
    // Several service processes on one database: replicas sharing work, kill -9, database and Feishu outages,
    // fuzzing (docs/reliability.md): `npm run test:reliability`, not part of `npm test` (whose script selects the
    // three tiers above), run by CI after it.
    {
      ...common,
      ...withPostgres,
      displayName: 'reliability',
      roots: ['<rootDir>/test/reliability'],
      testMatch: ['**/*.reliability-spec.ts'],
    },
  ],
};
