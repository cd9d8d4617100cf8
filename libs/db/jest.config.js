// Specs that need Postgres use the run's embedded server (or DATABASE_URL's server).
module.exports = {
  ...require('../../jest.preset'),
  displayName: 'db',
  rootDir: __dirname,
  globalSetup: '<rootDir>/../testing/src/lib/database.global-setup.ts',
  globalTeardown: '<rootDir>/../testing/src/lib/database.global-teardown.ts',
};
