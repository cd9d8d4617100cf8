import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { FailedPreconditionError, InternalError } from '@vela/errors';
import { checksumMatches, DEFAULT_MIGRATIONS_DIR, loadMigrations, migrate } from './migrator';
import { scratchDatabase } from './test-server';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function query<T extends object>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe('migrate', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dir: string;
  beforeEach(async () => {
    database = await scratchDatabase();
    dir = mkdtempSync(join(tmpdir(), 'vela-migrations-'));
  });
  afterEach(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, sql: string) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  };

  it('applies prisma/migrations once, recording them as Prisma does', async () => {
    const local = loadMigrations();
    expect(local.map((m) => m.name)).toEqual(local.map((m) => m.name).sort());
    const first = await migrate(database.url);
    expect(first).toEqual({ applied: local.map((m) => m.name), alreadyApplied: [], unknown: [] });

    const rows = await query<Record<string, unknown>>(database.url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    expect(rows).toHaveLength(local.length);
    for (const [i, row] of rows.entries()) {
      const file = readFileSync(join(DEFAULT_MIGRATIONS_DIR, local[i].name, 'migration.sql'), 'utf8');
      expect(row).toMatchObject({ migration_name: local[i].name, checksum: sha256(file), logs: null, rolled_back_at: null, applied_steps_count: 1 });
      expect(row['id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(row['finished_at']).toBeInstanceOf(Date);
      expect((row['finished_at'] as Date).getTime()).toBeGreaterThanOrEqual((row['started_at'] as Date).getTime());
    }
    // Prisma's own table definition, so its CLI reads ours.
    const columns = await query<{ column_name: string; data_type: string; len: number | null; is_nullable: string }>(
      database.url,
      `SELECT column_name, data_type, character_maximum_length AS len, is_nullable FROM information_schema.columns
        WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => [c.column_name, c.data_type, c.len, c.is_nullable])).toEqual([
      ['id', 'character varying', 36, 'NO'],
      ['checksum', 'character varying', 64, 'NO'],
      ['finished_at', 'timestamp with time zone', null, 'YES'],
      ['migration_name', 'character varying', 255, 'NO'],
      ['logs', 'text', null, 'YES'],
      ['rolled_back_at', 'timestamp with time zone', null, 'YES'],
      ['started_at', 'timestamp with time zone', null, 'NO'],
      ['applied_steps_count', 'integer', null, 'NO'],
    ]);

    expect(await migrate(database.url)).toEqual({ applied: [], alreadyApplied: local.map((m) => m.name), unknown: [] });
  });

  it('applies only pending migrations, in name order', async () => {
    write('20260101000000_a', 'CREATE TABLE a (id int);');
    expect((await migrate(database.url, { migrationsDir: dir })).applied).toEqual(['20260101000000_a']);
    write('20260103000000_c', 'ALTER TABLE a ADD COLUMN c int;');
    write('20260102000000_b', 'ALTER TABLE a ADD COLUMN b int;');
    const logged: string[] = [];
    const result = await migrate(database.url, { migrationsDir: dir, log: (line) => logged.push(line) });
    expect(result.applied).toEqual(['20260102000000_b', '20260103000000_c']);
    expect(logged).toEqual(['applied migration 20260102000000_b', 'applied migration 20260103000000_c']);
    const columns = await query<{ column_name: string }>(
      database.url,
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'a' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'b', 'c']);
  });

  it('refuses when an applied migration changed, naming it', async () => {
    write('20260101000000_a', 'CREATE TABLE a (id int);');
    await migrate(database.url, { migrationsDir: dir });
    write('20260101000000_a', 'CREATE TABLE a (id bigint);');
    write('20260102000000_b', 'CREATE TABLE b (id int);');
    const attempt = migrate(database.url, { migrationsDir: dir });
    await expect(attempt).rejects.toThrow(FailedPreconditionError);
    await expect(migrate(database.url, { migrationsDir: dir })).rejects.toThrow(/20260101000000_a was applied with checksum [0-9a-f]{64}/);
    // Nothing after the changed one ran.
    expect(await query(database.url, `SELECT 1 FROM information_schema.tables WHERE table_name = 'b'`)).toEqual([]);
  });

  it('accepts a file whose line endings changed (LF <-> CRLF), as Prisma does', () => {
    const lf = 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    expect(checksumMatches(crlf, sha256(lf))).toBe(true);
    expect(checksumMatches(lf, sha256(crlf))).toBe(true);
    expect(checksumMatches(lf + ' ', sha256(lf))).toBe(false);
  });

  it('rolls a failing migration back whole, records it as rolled back, and retries it once fixed', async () => {
    write('20260101000000_a', 'CREATE TABLE a (id int);\nINSERT INTO missing VALUES (1);');
    await expect(migrate(database.url, { migrationsDir: dir })).rejects.toThrow(InternalError);
    await expect(migrate(database.url, { migrationsDir: dir })).rejects.toThrow(/20260101000000_a failed and was rolled back: relation "missing" does not exist/);
    expect(await query(database.url, `SELECT 1 FROM information_schema.tables WHERE table_name = 'a'`)).toEqual([]);
    const rows = await query<{ rolled_back_at: Date | null; finished_at: Date | null; logs: string }>(
      database.url,
      'SELECT rolled_back_at, finished_at, logs FROM "_prisma_migrations"',
    );
    expect(rows.length).toBe(2);
    expect(rows.every((row) => row.rolled_back_at !== null && row.finished_at === null && row.logs.includes('missing'))).toBe(true);

    write('20260101000000_a', 'CREATE TABLE a (id int);');
    expect((await migrate(database.url, { migrationsDir: dir })).applied).toEqual(['20260101000000_a']);
  });

  it('refuses while Prisma recorded a failed migration nobody resolved', async () => {
    write('20260101000000_a', 'CREATE TABLE a (id int);');
    await migrate(database.url, { migrationsDir: dir });
    await query(
      database.url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs) VALUES ('f', 'x', '20260102000000_b', 'boom')`,
    );
    await expect(migrate(database.url, { migrationsDir: dir })).rejects.toThrow(/20260102000000_b failed earlier .*boom.*prisma migrate resolve/);
  });

  it('reports migrations the database has but this checkout lacks, without failing', async () => {
    write('20260101000000_a', 'CREATE TABLE a (id int);');
    write('20260102000000_b', 'CREATE TABLE b (id int);');
    await migrate(database.url, { migrationsDir: dir });
    rmSync(join(dir, '20260102000000_b'), { recursive: true });
    expect(await migrate(database.url, { migrationsDir: dir })).toEqual({
      applied: [],
      alreadyApplied: ['20260101000000_a'],
      unknown: ['20260102000000_b'],
    });
  });

  it('lets two migrators start at once: each migration runs exactly once', async () => {
    // The sleep keeps the first migrator inside its transaction while the second arrives.
    write('20260101000000_a', 'CREATE TABLE a (id int);\nSELECT pg_sleep(0.3);');
    write('20260102000000_b', 'INSERT INTO a VALUES (1);');
    const [one, two] = await Promise.all([migrate(database.url, { migrationsDir: dir }), migrate(database.url, { migrationsDir: dir })]);
    const applied = [...one.applied, ...two.applied].sort();
    expect(applied).toEqual(['20260101000000_a', '20260102000000_b']);
    expect([one.applied.length, two.applied.length].sort()).toEqual([0, 2]);
    expect(await query(database.url, 'SELECT id FROM a')).toEqual([{ id: 1 }]);
    const rows = await query<{ n: number }>(database.url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"');
    expect(rows[0].n).toBe(2);
  });

  it('says which folder is missing', () => {
    expect(() => loadMigrations(join(dir, 'nope'))).toThrow(/nope does not exist/);
    mkdirSync(join(dir, '20260101000000_a'));
    expect(() => loadMigrations(dir)).toThrow(/20260101000000_a: .*migration.sql is missing/);
  });
});
