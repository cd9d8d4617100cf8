// End-to-end and cross-project tests: real processes, real Postgres, real gRPC on loopback.
module.exports = {
  ...require('../jest.preset'),
  displayName: 'e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.spec.ts'],
  testTimeout: 120000,
};
