import { createScratchDatabase, dropDatabase } from './database';

/**
 * For this lib's own specs (they cannot use @vela/testing, which depends on this lib): the
 * server that libs/db/jest.config.js's globalSetup started, or DATABASE_URL's.
 */
export function testServerUrl(): string {
  const url = process.env['VELA_TEST_DATABASE_SERVER_URL'] || process.env['DATABASE_URL'];
  if (!url) {
    throw new Error('libs/db specs need a Postgres server: run them with libs/db/jest.config.js (its globalSetup) or set DATABASE_URL');
  }
  return url;
}

/** An empty database on the test server and a function that drops it. */
export async function scratchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = testServerUrl();
  const { name, url } = await createScratchDatabase(server, 'vela_test');
  return { url, drop: () => dropDatabase(server, name) };
}
