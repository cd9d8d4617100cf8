import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { FailedPreconditionError } from '@vela/errors';
import { closedAncestor, dataDirInUse, defaultDataDir, startEmbeddedPostgres } from './embedded-postgres';
import { migrate } from './migrator';

// One server start per step, in a temp folder: the first run initialises the folder, the
// second reuses it. As root (CI), Postgres runs as the `postgres` OS user.
describe('startEmbeddedPostgres', () => {
  let parent: string;
  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), 'vela-embedded-'));
    // mkdtemp makes the folder private; the postgres OS user must be able to enter it.
    chmodSync(parent, 0o755);
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('initialises a data folder, serves migrations, stops, reuses the folder, and dies with an owner that exits', async () => {
    const dataDir = join(parent, 'data');
    const first = await startEmbeddedPostgres({ dataDir, durable: false });
    let applied: string[] = [];
    try {
      expect(first.url).toMatch(/^postgresql:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
      expect(dataDirInUse(dataDir)).toMatchObject({ port: first.port });
      applied = (await migrate(first.url)).applied;
      expect(applied.length).toBeGreaterThan(0);
      await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/is in use by Postgres .*DATABASE_URL/);
    } finally {
      await first.stop();
    }
    expect(dataDirInUse(dataDir)).toBeUndefined();
    const pgVersion = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8');

    const second = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      expect(second.url.split('@')[0]).toBe(first.url.split('@')[0]);
      expect(readFileSync(join(dataDir, 'PG_VERSION'), 'utf8')).toBe(pgVersion);
      const client = new Client({ connectionString: second.url });
      await client.connect();
      try {
        const { rows } = await client.query('SELECT count(*)::int AS n FROM "_prisma_migrations"');
        expect(rows[0].n).toBe(applied.length);
        expect((await migrate(second.url)).applied).toEqual([]);
      } finally {
        await client.end();
      }
      // Postgres dying on its own: stop() still returns promptly.
      const running = dataDirInUse(dataDir);
      expect(running).toBeDefined();
      process.kill(running?.pid ?? 0, 'SIGKILL');
      const started = Date.now();
      await second.stop();
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await second.stop();
    }

    // An owner that exits without stop() takes its server with it.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', '@swc-node/register', '-e', `require('./libs/db/src/lib/embedded-postgres.ts')
        .startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, durable: false })
        .then((server) => process.stdout.write(String(server.port)))`],
      { cwd: join(__dirname, '../../../..') },
    );
    expect(Number(stdout)).toBeGreaterThan(0);
    for (let waited = 0; dataDirInUse(dataDir) && waited < 10_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(dataDirInUse(dataDir)).toBeUndefined();
  }, 60_000);

  it('says why it could not start, and a folder initialised by that failed start still works', async () => {
    const dataDir = join(parent, 'busy-port');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      await expect(startEmbeddedPostgres({ dataDir, port: taken, durable: false })).rejects.toThrow(
        new RegExp(`on port ${taken} did not start[\\s\\S]*(could not bind|already in use)`),
      );
    } finally {
      blocker.close();
    }
    const server = await startEmbeddedPostgres({ dataDir, durable: false });
    await server.stop();
  }, 60_000);

  it('names the closed folder that would keep the postgres user out', () => {
    const closed = mkdtempSync(join(parent, 'closed-'));
    chmodSync(closed, 0o700);
    mkdirSync(join(closed, 'inner'));
    chmodSync(join(closed, 'inner'), 0o755);
    expect(closedAncestor(join(closed, 'inner', 'data'))).toBe(closed);
    expect(closedAncestor(join(parent, 'data'))).toBeUndefined();
  });

  it('picks VELA_HOME, then a per-user default outside root’s home', () => {
    expect(defaultDataDir({ VELA_HOME: '/srv/vela' })).toBe('/srv/vela/postgres');
    const fallback = defaultDataDir({});
    if (process.getuid?.() === 0) expect(fallback).toBe('/var/lib/vela/postgres');
    else expect(fallback).toMatch(/\/\.vela\/postgres$/);
  });

  it('refuses a folder initialised by someone else', async () => {
    const foreign = join(parent, 'foreign');
    mkdirSync(foreign);
    chmodSync(foreign, 0o755);
    writeFileSync(join(foreign, 'PG_VERSION'), '18\n');
    await expect(startEmbeddedPostgres({ dataDir: foreign })).rejects.toThrow(FailedPreconditionError);
  });
});
