import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createScratchDatabase, dropDatabase, openDatabase, withDatabase } from './database';
import { loadMigrations } from './migrator';
import { scratchDatabase, testServerUrl } from './test-server';

const ROOT = join(__dirname, '../../../..');
const migrationNames = loadMigrations().map((m) => m.name);

async function scalar<T>(url: string, sql: string): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return Object.values((await client.query(sql)).rows[0])[0] as T;
  } finally {
    await client.end();
  }
}

describe('openDatabase', () => {
  it('uses DATABASE_URL when set, and migrates it', async () => {
    const database = await scratchDatabase();
    try {
      const opened = await openDatabase({ env: { DATABASE_URL: database.url } });
      expect(opened.url).toBe(database.url);
      expect(opened.embedded).toBeUndefined();
      expect(opened.migrations?.applied).toEqual(migrationNames);
      await opened.close();
      expect(await scalar<number>(database.url, 'SELECT count(*)::int FROM runs')).toBe(0);
      const again = await openDatabase({ env: { DATABASE_URL: database.url } });
      expect(again.migrations).toEqual({ applied: [], alreadyApplied: migrationNames, unknown: [] });
    } finally {
      await database.drop();
    }
  });

  describe('without DATABASE_URL', () => {
    let home: string;
    beforeAll(() => {
      home = mkdtempSync(join(tmpdir(), 'vela-home-'));
      chmodSync(home, 0o755);
    });
    afterAll(() => rmSync(home, { recursive: true, force: true }));

    it('starts an embedded server in VELA_HOME, shares it with a child through DATABASE_URL, and reuses the folder', async () => {
      const env = { VELA_HOME: home };
      const first = await openDatabase({ env, embedded: { durable: false } });
      try {
        expect(first.embedded?.dataDir).toBe(join(home, 'postgres'));
        expect(new URL(first.url).pathname).toBe('/vela');
        expect(first.migrations?.applied).toEqual(migrationNames);

        // A child process of the same local run gets the URL and starts no server of its own.
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['-r', '@swc-node/register', '-e', CHILD],
          { cwd: ROOT, env: { ...process.env, DATABASE_URL: first.url, VELA_HOME: join(home, 'unused') } },
        );
        expect(JSON.parse(stdout)).toEqual({ url: first.url, embedded: false, applied: [] });
        expect(existsSync(join(home, 'unused'))).toBe(false);
      } finally {
        await first.close();
      }
      const second = await openDatabase({ env, embedded: { durable: false } });
      try {
        expect(second.url.replace(/:\d+\//, ':PORT/')).toBe(first.url.replace(/:\d+\//, ':PORT/'));
        expect(second.migrations).toEqual({ applied: [], alreadyApplied: migrationNames, unknown: [] });
      } finally {
        await second.close();
      }
    }, 60_000);
  });
});

const CHILD = `
require('./libs/db/src/lib/database.ts').openDatabase().then(async (db) => {
  process.stdout.write(JSON.stringify({ url: db.url, embedded: db.embedded !== undefined, applied: db.migrations.applied }));
  await db.close();
});`;

describe('scratch databases', () => {
  it('creates a uniquely named database and drops it even while connected', async () => {
    const server = testServerUrl();
    const { name, url } = await createScratchDatabase(server, 'vela_test');
    expect(name).toMatch(/^vela_test_[0-9a-f]{12}$/);
    expect(url).toBe(withDatabase(server, name));
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    await dropDatabase(server, name);
    await client.end().catch(() => undefined);
    expect(await scalar<number>(server, `SELECT count(*)::int FROM pg_database WHERE datname = '${name}'`)).toBe(0);
  });

  it('replaces only the database of a URL', () => {
    expect(withDatabase('postgresql://u:p%40ss@h:5433/postgres?sslmode=disable', 'x')).toBe('postgresql://u:p%40ss@h:5433/x?sslmode=disable');
  });
});
