// End-to-end and cross-project tests: real processes, real Postgres, real gRPC on loopback.
module.exports = {
  ...require('../jest.preset'),
  displayName: 'e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.spec.ts'],
  globalSetup: '<rootDir>/../libs/testing/src/lib/database.global-setup.ts',
  globalTeardown: '<rootDir>/../libs/testing/src/lib/database.global-teardown.ts',
  // Per case: processes, Postgres and training. A project's `testTimeout` would be ignored under `npm test`.
  setupFilesAfterEnv: ['<rootDir>/e2e-timeout.setup.ts'],
};
