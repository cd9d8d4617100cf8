// Jest globalSetup: one embedded Postgres for the whole jest run, unless DATABASE_URL
// names a server to use. A project opts in from its jest.config.js:
//   globalSetup: '<rootDir>/../testing/src/lib/database.global-setup.ts',
//   globalTeardown: '<rootDir>/../testing/src/lib/database.global-teardown.ts',
// Several projects may opt in: the first starts the server, the others find it.
import { startTestDatabaseServer, TEST_SERVER_URL_ENV } from './database';

export const SERVER_GLOBAL = '__velaTestDatabaseServer';

export default async function globalSetup(): Promise<void> {
  if (process.env[TEST_SERVER_URL_ENV] || process.env['DATABASE_URL']) return;
  const server = await startTestDatabaseServer();
  // Workers start after globalSetup and inherit this environment.
  process.env[TEST_SERVER_URL_ENV] = server.url;
  (globalThis as Record<string, unknown>)[SERVER_GLOBAL] = server;
}
