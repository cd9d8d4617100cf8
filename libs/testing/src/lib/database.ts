import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  createScratchDatabase,
  dataDirInUse,
  dropDatabase,
  loadMigrations,
  migrate,
  startEmbeddedPostgres,
  withDatabase,
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

/**
 * A fresh, isolated database; the caller drops it (see useTestDatabase for jest hooks).
 * Migrated ones are copies of a template migrated once per server and set of migrations,
 * several times faster than migrating each.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = await testDatabaseServerUrl();
  if (!(options.migrate ?? true)) {
    const { name, url } = await createScratchDatabase(serverUrl, TEST_DATABASE_PREFIX);
    return { name, url, serverUrl, drop: () => dropDatabase(serverUrl, name) };
  }
  const template = await migratedTemplate(serverUrl);
  const name = `${TEST_DATABASE_PREFIX}_${randomBytes(6).toString('hex')}`;
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template)}`);
  } finally {
    await client.end();
  }
  return { name, url: withDatabase(serverUrl, name), serverUrl, drop: () => dropDatabase(serverUrl, name) };
}

/** Template databases are named `vela_template_<hash of the migrations>`. */
export const TEST_TEMPLATE_PREFIX = 'vela_template';
// Serialises template building across the jest workers of a run (key: "velatmpl").
const TEMPLATE_LOCK_KEY = 0x76656c61;
const templates = new Map<string, Promise<string>>();

/** The name of a database on `serverUrl` migrated with prisma/migrations as they are now; built on first use. */
function migratedTemplate(serverUrl: string): Promise<string> {
  const name = templateName();
  const key = `${serverUrl} ${name}`;
  let template = templates.get(key);
  if (!template) {
    template = buildTemplate(serverUrl, name);
    templates.set(key, template);
    template.catch(() => templates.delete(key));
  }
  return template;
}

/** `vela_template_<hash>`, the hash covering every migration's name and checksum. */
export function templateName(): string {
  const hash = createHash('sha256')
    .update(loadMigrations().map((m) => `${m.name}:${m.checksum}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  return `${TEST_TEMPLATE_PREFIX}_${hash}`;
}

async function buildTemplate(serverUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return name;
    // Built under another name and renamed when complete: a half-built template is never copied.
    const building = await createScratchDatabase(serverUrl, `${TEST_TEMPLATE_PREFIX}_build`);
    try {
      await migrate(building.url);
      await client.query(`ALTER DATABASE ${client.escapeIdentifier(building.name)} RENAME TO ${client.escapeIdentifier(name)}`);
    } catch (error) {
      await dropDatabase(serverUrl, building.name);
      throw error;
    }
    return name;
  } finally {
    await client.end();
  }
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

/**
 * Databases of earlier runs that were killed before dropping them, and templates of older
 * migrations (nobody else uses this server).
 */
async function dropLeftovers(serverUrl: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR (datname LIKE $2 AND datname <> $3)`,
      [`${TEST_DATABASE_PREFIX}\\_%`, `${TEST_TEMPLATE_PREFIX}\\_%`, templateName()],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
