import { createPrismaClient } from './client';
import { createScratchDatabase, dropDatabase } from './database';
import { migrate } from './migrator';
import type { PrismaClient } from '../generated/prisma/client';

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

/**
 * For a describe block: a migrated scratch database and a Prisma client on it (two
 * connections), made before its tests and dropped after them. Read the fields inside tests.
 */
export function useMigratedClient(): { readonly url: string; readonly prisma: PrismaClient } {
  const handle = {} as { url: string; prisma: PrismaClient; drop?: () => Promise<void> };
  beforeAll(async () => {
    const database = await scratchDatabase();
    await migrate(database.url);
    Object.assign(handle, { url: database.url, prisma: createPrismaClient(database.url, { maxConnections: 2 }), drop: database.drop });
  });
  afterAll(async () => {
    await handle.prisma?.$disconnect();
    await handle.drop?.();
  });
  return handle;
}
