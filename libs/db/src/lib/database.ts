import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { defaultDataDir, startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres';
import { migrate, type MigrateResult } from './migrator';

/** The database the embedded server creates for Vela (its `postgres` database stays empty). */
export const EMBEDDED_DATABASE_NAME = 'vela';

export interface OpenDatabaseOptions {
  /** Where DATABASE_URL and VELA_HOME are read. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Settings of the embedded server, when one is started. */
  embedded?: EmbeddedPostgresOptions;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  migrationsDir?: string;
  log?: (message: string) => void;
}

export interface Database {
  /** Connection URL: DATABASE_URL, or the embedded server's `vela` database. */
  readonly url: string;
  /** The embedded server this call started, if it started one. */
  readonly embedded?: EmbeddedPostgres;
  readonly migrations?: MigrateResult;
  /** Stops the embedded server this call started; nothing to do for DATABASE_URL. */
  close(): Promise<void>;
}

/**
 * The one place that decides which Postgres Vela uses: DATABASE_URL when set; otherwise
 * an embedded server in the data folder (VELA_HOME, see defaultDataDir), started here and
 * stopped by close(). Pending migrations are applied either way.
 *
 * A starter that runs several processes (local mode) opens the database once and hands
 * `url` to its children as DATABASE_URL, so they share its embedded server.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const env = options.env ?? process.env;
  const configured = env['DATABASE_URL']?.trim();
  let url: string;
  let embedded: EmbeddedPostgres | undefined;
  if (configured) {
    url = configured;
  } else {
    embedded = await startEmbeddedPostgres({
      ...options.embedded,
      dataDir: options.embedded?.dataDir ?? defaultDataDir(env),
    });
    try {
      url = await ensureDatabase(embedded.url, EMBEDDED_DATABASE_NAME);
    } catch (error) {
      await embedded.stop();
      throw error;
    }
  }
  let migrations: MigrateResult | undefined;
  if (options.migrate ?? true) {
    try {
      migrations = await migrate(url, { migrationsDir: options.migrationsDir, log: options.log });
    } catch (error) {
      await embedded?.stop();
      throw error;
    }
  }
  const server = embedded;
  return {
    url,
    embedded: server,
    migrations,
    close: async () => {
      await server?.stop();
    },
  };
}

/** `url` with its database name replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Creates `database` on the server of `adminUrl` unless it exists; returns its URL. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<string> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((error: { code?: string }) => {
        // duplicate_database (42P04), or unique_violation (23505) in the race: another
        // process of this run created it first.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
  return withDatabase(adminUrl, database);
}

/**
 * Creates an empty database with a random name (`<prefix>_<hex>`) on the server of
 * `serverUrl`, whose role needs CREATEDB. For tests and throwaway work.
 */
export async function createScratchDatabase(serverUrl: string, prefix = 'vela_scratch'): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  return { name, url: withDatabase(serverUrl, name) };
}

/** Drops `name` on the server of `serverUrl`, disconnecting whoever is still connected. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
