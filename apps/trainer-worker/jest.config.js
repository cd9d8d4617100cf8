module.exports = {
  ...require('../../jest.preset'),
  displayName: 'app-trainer-worker',
  rootDir: __dirname,
  globalSetup: '<rootDir>/../../libs/testing/src/lib/database.global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/testing/src/lib/database.global-teardown.ts',
  testTimeout: 120000,
};
