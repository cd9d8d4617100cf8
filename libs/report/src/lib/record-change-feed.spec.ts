import { Client } from 'pg';
import { useTestDatabase } from '@vela/testing';
import { PostgresRecordChangeFeed } from './record-change-feed';
import { RECORDS_CHANNEL } from './record.service';

/** Resolves once `condition` holds (checked every 20 ms), or fails after `ms`. */
async function until(condition: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('PostgresRecordChangeFeed (real Postgres)', () => {
  const database = useTestDatabase();
  let feed: PostgresRecordChangeFeed;
  let other: Client;

  beforeAll(async () => {
    feed = await PostgresRecordChangeFeed.connect(database.url);
    other = new Client({ connectionString: database.url });
    // The database is dropped after the tests (its connections terminated) before this closes.
    other.on('error', () => undefined);
    await other.connect();
  });
  afterAll(async () => {
    await feed.notifications.close();
    await other.end();
  });

  /** The last statement of the feed's own connection (the only other one on this database). */
  const feedStatement = async (): Promise<string | undefined> => {
    const { rows } = await other.query<{ query: string }>('SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    return rows[0]?.query;
  };

  it('listens only while it has a watcher, and wakes the watcher for records written in any process', async () => {
    expect(await feedStatement()).not.toMatch(/LISTEN/);
    let calls = 0;
    const unsubscribe = feed.onChange(() => calls++);
    // Once listening, the watcher is told to re-read (records written while the LISTEN was on its way sent it nothing).
    await until(() => calls === 1);
    expect(await feedStatement()).toBe(`LISTEN "${RECORDS_CHANNEL}"`);
    await other.query('SELECT pg_notify($1, $2)', [RECORDS_CHANNEL, '{"seq":1}']);
    await until(() => calls === 2);
    unsubscribe();
    await until(async () => (await feedStatement()) === `UNLISTEN "${RECORDS_CHANNEL}"`);
    await other.query('SELECT pg_notify($1, $2)', [RECORDS_CHANNEL, '{"seq":2}']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toBe(2);
  });

  it('keeps listening while any watcher is left, and listens again for a new one', async () => {
    const seen = { first: 0, second: 0 };
    const first = feed.onChange(() => seen.first++);
    const second = feed.onChange(() => seen.second++);
    await until(() => seen.first >= 1 && seen.second >= 1);
    first();
    // Counted before the NOTIFY: it may reach the feed before the query's own answer does.
    const secondBefore = seen.second;
    await other.query('SELECT pg_notify($1, $2)', [RECORDS_CHANNEL, '{"seq":3}']);
    await until(() => seen.second > secondBefore);
    second();
    await until(async () => (await feedStatement()) === `UNLISTEN "${RECORDS_CHANNEL}"`);
    let third = 0;
    const again = feed.onChange(() => third++);
    await until(() => third === 1);
    await other.query('SELECT pg_notify($1, $2)', [RECORDS_CHANNEL, '{"seq":4}']);
    await until(() => third === 2);
    again();
  });
});
