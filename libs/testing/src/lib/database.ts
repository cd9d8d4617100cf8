import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  createScratchDatabase,
  dataDirInUse,
  dropDatabase,
  migrate,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '@vela/db';

/**
 * Set by database.global-setup.ts to the server it started, so every jest worker of the
 * run creates its databases there.
 */
export const TEST_SERVER_URL_ENV = 'VELA_TEST_DATABASE_SERVER_URL';

/** Test databases are named `vela_test_<hex>`. */
export const TEST_DATABASE_PREFIX = 'vela_test';

export interface TestDatabase {
  readonly name: string;
  /** URL of the fresh database (migrated unless asked otherwise). */
  readonly url: string;
  /** URL of the server it lives on, with a role that may create databases. */
  readonly serverUrl: string;
  /** Drops the database, disconnecting whoever is still connected. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Apply prisma/migrations (default true). */
  migrate?: boolean;
}

let processServer: Promise<EmbeddedPostgres> | undefined;

/**
 * The server test databases go to: the jest run's embedded server (TEST_SERVER_URL_ENV),
 * else DATABASE_URL's server, else an embedded server started once in this process (it
 * stops when the process exits).
 */
export async function testDatabaseServerUrl(): Promise<string> {
  const configured = process.env[TEST_SERVER_URL_ENV] || process.env['DATABASE_URL'];
  if (configured) return configured;
  processServer ??= startTestDatabaseServer();
  return (await processServer).url;
}

/** A fresh, isolated database; the caller drops it (see useTestDatabase for jest hooks). */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = await testDatabaseServerUrl();
  const { name, url } = await createScratchDatabase(serverUrl, TEST_DATABASE_PREFIX);
  try {
    if (options.migrate ?? true) await migrate(url);
  } catch (error) {
    await dropDatabase(serverUrl, name);
    throw error;
  }
  return { name, url, serverUrl, drop: () => dropDatabase(serverUrl, name) };
}

/**
 * Jest hooks for the enclosing describe block (or file): a fresh migrated database before
 * its tests, dropped after them. Read `url` inside tests or hooks, not at definition time.
 */
export function useTestDatabase(options: TestDatabaseOptions = {}): { readonly url: string; readonly name: string } {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(options);
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });
  const current = (): TestDatabase => {
    if (!database) throw new Error('useTestDatabase: the database exists only inside tests and hooks');
    return database;
  };
  return {
    get url() {
      return current().url;
    },
    get name() {
      return current().name;
    },
  };
}

/**
 * An embedded server for tests, fast rather than durable (fsync off), in a data folder
 * under the temp dir that later runs reuse (initdb runs once per machine). Concurrent runs
 * take the next free folder.
 */
export async function startTestDatabaseServer(): Promise<EmbeddedPostgres> {
  const base = join(tmpdir(), `vela-test-postgres-${process.getuid?.() ?? 'user'}`);
  let lastError: unknown;
  for (let slot = 0; slot < 8; slot++) {
    const dataDir = join(base, String(slot));
    if (dataDirInUse(dataDir)) continue;
    try {
      const server = await startEmbeddedPostgres({ dataDir, durable: false });
      await dropLeftovers(server.url);
      return server;
    } catch (error) {
      // Another run took this folder between the check and the start (or it is broken).
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(`no usable test Postgres folder under ${base}`);
}

/** Databases of earlier runs that were killed before dropping them (nobody else uses this server). */
async function dropLeftovers(serverUrl: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${TEST_DATABASE_PREFIX}\\_%`],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
