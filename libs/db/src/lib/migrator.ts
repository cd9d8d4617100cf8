import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, type ClientConfig } from 'pg';
import { FailedPreconditionError, InternalError } from '@vela/errors';

/** prisma/migrations of this repository. */
export const DEFAULT_MIGRATIONS_DIR = resolve(__dirname, '../../../../prisma/migrations');

/**
 * The advisory lock key Prisma's schema engine takes around `migrate deploy`, so this
 * migrator and the Prisma CLI never run against one database at the same time.
 */
export const MIGRATION_LOCK_KEY = 72707369;

export interface Migration {
  /** The folder name, e.g. `20261127083000_init`: migrations apply in this order. */
  name: string;
  sql: string;
  /** Lowercase hex sha256 of migration.sql, as Prisma records it. */
  checksum: string;
}

export interface MigrateOptions {
  migrationsDir?: string;
  /** Called with one line per migration applied. */
  log?: (message: string) => void;
}

export interface MigrateResult {
  /** Migrations this call applied, in order. */
  applied: string[];
  /** Migrations that were already applied before this call. */
  alreadyApplied: string[];
  /**
   * Migrations recorded in the database that this checkout does not have (a newer version
   * migrated it): not an error, so an older service can still start during a rollout.
   */
  unknown: string[];
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Prisma accepts a checksum computed before git or an editor switched the file between LF
 * and CRLF; so does this.
 */
export function checksumMatches(sql: string, checksum: string): boolean {
  const lf = sql.replace(/\r\n/g, '\n');
  return [sql, lf, lf.replace(/\n/g, '\r\n')].some((variant) => sha256(variant) === checksum);
}

/** The migrations in `dir` (Prisma's layout: `<dir>/<timestamp>_<name>/migration.sql`), sorted by name. */
export function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) {
    throw new FailedPreconditionError(`migrations folder ${dir} does not exist`);
  }
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      const file = join(dir, name, 'migration.sql');
      if (!existsSync(file)) {
        throw new FailedPreconditionError(`migration ${name}: ${file} is missing`);
      }
      const sql = readFileSync(file, 'utf8');
      return { name, sql, checksum: sha256(sql) };
    });
}

// Prisma's own definition (schema engine, PostgreSQL flavour), so `prisma migrate deploy`
// and `prisma migrate status` read what this migrator writes.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/**
 * Applies the pending migrations to the database at `connection`, each in its own
 * transaction, recording them in `_prisma_migrations` as Prisma does. Safe to call from
 * several processes at once: they queue on an advisory lock, and the later ones find
 * nothing to do.
 *
 * Refuses (FailedPreconditionError) when an applied migration's file has changed, or when
 * Prisma recorded a failed migration that nobody resolved.
 */
export async function migrate(connection: string | ClientConfig, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = loadMigrations(options.migrationsDir);
  const client = new Client(typeof connection === 'string' ? { connectionString: connection } : connection);
  // A dropped connection mid-migration surfaces through the pending query; without a
  // listener the 'error' event would crash the process instead.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await migrateLocked(client, migrations, options.log ?? (() => undefined));
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

async function migrateLocked(client: Client, migrations: Migration[], log: (message: string) => void): Promise<MigrateResult> {
  await client.query(CREATE_MIGRATIONS_TABLE);
  const { rows } = await client.query<AppliedRow>(
    `SELECT id, migration_name, checksum, finished_at, rolled_back_at, logs
       FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
  );
  const live = rows.filter((row) => row.rolled_back_at === null);
  const failed = live.filter((row) => row.finished_at === null);
  if (failed.length > 0) {
    const names = failed.map((row) => row.migration_name).join(', ');
    throw new FailedPreconditionError(
      `database migrations: ${names} failed earlier and was not resolved (logs: ${failed[0].logs ?? 'none'}); ` +
        `fix the database, then mark it with \`prisma migrate resolve --rolled-back <name>\` or \`--applied <name>\``,
    );
  }
  const finished = new Map(live.map((row) => [row.migration_name, row]));
  const local = new Set(migrations.map((migration) => migration.name));

  for (const migration of migrations) {
    const row = finished.get(migration.name);
    if (row && !checksumMatches(migration.sql, row.checksum)) {
      throw new FailedPreconditionError(
        `database migrations: ${migration.name} was applied with checksum ${row.checksum}, ` +
          `but prisma/migrations/${migration.name}/migration.sql now has ${migration.checksum}; ` +
          `an applied migration must never change: restore it and add a new migration instead`,
      );
    }
  }

  const result: MigrateResult = {
    applied: [],
    alreadyApplied: migrations.filter((m) => finished.has(m.name)).map((m) => m.name),
    unknown: [...finished.keys()].filter((name) => !local.has(name)),
  };
  for (const migration of migrations.filter((m) => !finished.has(m.name))) {
    await applyOne(client, migration);
    result.applied.push(migration.name);
    log(`applied migration ${migration.name}`);
  }
  return result;
}

async function applyOne(client: Client, migration: Migration): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, migration.checksum, migration.name],
    );
    // No parameters: the simple query protocol runs the whole multi-statement script.
    await client.query(migration.sql);
    await client.query(
      `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    // The transaction undid the migration, so the row says rolled back: visible to
    // `prisma migrate status`, and no obstacle to the next start once the file is fixed.
    await client
      .query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at, rolled_back_at, applied_steps_count)
         VALUES ($1, $2, $3, $4, now(), now(), 0)`,
        [id, migration.checksum, migration.name, message],
      )
      .catch(() => undefined);
    throw new InternalError(`database migrations: ${migration.name} failed and was rolled back: ${message}`);
  }
}
