// Three tiers: unit specs next to their file, integration against real Postgres and PGlite,
// e2e with the whole app, the simulator and the real SDK. All compiled by swc with decorator metadata.
const fs = require('node:fs');
const swc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const transform = { '^.+\\.(ts|js)$': ['@swc/jest', { ...swc, swcrc: false }] };
// Jest cannot require() ES modules on Node 20; these few ESM-only dependencies are compiled to CommonJS for tests.
const esmDependencies = ['content-disposition'];
const common = {
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${esmDependencies.join('|')})/)`],
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/src', '<rootDir>/test'], testMatch: ['**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.integration-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
