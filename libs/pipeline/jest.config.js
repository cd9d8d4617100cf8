module.exports = {
  ...require('../../jest.preset'),
  displayName: 'pipeline',
  rootDir: __dirname,
  globalSetup: '<rootDir>/../testing/src/lib/database.global-setup.ts',
  globalTeardown: '<rootDir>/../testing/src/lib/database.global-teardown.ts',
  testTimeout: 30000,
};
