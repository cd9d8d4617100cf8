import { Client } from 'pg';
import globalSetup from './database.global-setup';
import globalTeardown from './database.global-teardown';
import { loadMigrations } from '@vela/db';
import { createTestDatabase, startTestDatabaseServer, templateName, TEST_SERVER_URL_ENV, useTestDatabase } from './database';

async function tables(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('gives each caller its own migrated database and drops it', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      expect(a.name).not.toBe(b.name);
      expect(a.name).toMatch(/^vela_test_[0-9a-f]{12}$/);
      expect(await tables(a.url)).toEqual(expect.arrayContaining(['_prisma_migrations', 'runs', 'trials', 'records']));
      const client = new Client({ connectionString: a.url });
      await client.connect();
      await client.query(`INSERT INTO runs (config_yaml) VALUES ('x')`);
      await client.end();
      const other = new Client({ connectionString: b.url });
      await other.connect();
      expect((await other.query('SELECT count(*)::int AS n FROM runs')).rows[0].n).toBe(0);
      await other.end();
    } finally {
      await a.drop();
      await b.drop();
    }
    await expect(tables(a.url)).rejects.toThrow(/does not exist/);
  });

  it('copies a template migrated once with the current migrations', async () => {
    const database = await createTestDatabase();
    try {
      const client = new Client({ connectionString: database.serverUrl });
      await client.connect();
      try {
        const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname = $1`, [templateName()]);
        expect(rows).toHaveLength(1);
      } finally {
        await client.end();
      }
      const copy = new Client({ connectionString: database.url });
      await copy.connect();
      try {
        const { rows } = await copy.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations" ORDER BY 1');
        expect(rows.map((row) => row.migration_name)).toEqual(loadMigrations().map((m) => m.name));
      } finally {
        await copy.end();
      }
    } finally {
      await database.drop();
    }
  });

  it('leaves the database empty when asked not to migrate', async () => {
    const empty = await createTestDatabase({ migrate: false });
    try {
      expect(await tables(empty.url)).toEqual([]);
    } finally {
      await empty.drop();
    }
  });
});

describe('useTestDatabase', () => {
  const database = useTestDatabase();
  it('provides a migrated database inside tests', async () => {
    expect(await tables(database.url)).toContain('search_observations');
  });
});

describe('the jest globalSetup', () => {
  it('starts one embedded server for the run, hands it over through the environment, and stops it', async () => {
    const saved = { database: process.env['DATABASE_URL'], server: process.env[TEST_SERVER_URL_ENV] };
    delete process.env['DATABASE_URL'];
    delete process.env[TEST_SERVER_URL_ENV];
    try {
      await globalSetup();
      const url = process.env[TEST_SERVER_URL_ENV];
      expect(url).toMatch(/^postgresql:\/\/postgres:.+@127\.0\.0\.1:\d+\/postgres$/);
      const database = await createTestDatabase();
      expect(database.serverUrl).toBe(url);
      await database.drop();
      await globalTeardown();
      expect(process.env[TEST_SERVER_URL_ENV]).toBeUndefined();
      const client = new Client({ connectionString: url });
      await expect(client.connect()).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      if (saved.database !== undefined) process.env['DATABASE_URL'] = saved.database;
      if (saved.server !== undefined) process.env[TEST_SERVER_URL_ENV] = saved.server;
    }
  }, 60_000);

  it('gives concurrent runs separate data folders', async () => {
    const [one, two] = await Promise.all([startTestDatabaseServer(), startTestDatabaseServer()]);
    try {
      expect(one.dataDir).not.toBe(two.dataDir);
      expect(one.port).not.toBe(two.port);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  }, 60_000);
});
