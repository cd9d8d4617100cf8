import { Client } from 'pg';
import { UnavailableError } from '@vela/errors';
import { PgNotifications } from './notifications';
import { scratchDatabase } from './test-server';

/** Resolves with the next value pushed, or rejects after `ms`. */
function inbox<T>() {
  const queue: T[] = [];
  let waiter: ((value: T) => void) | undefined;
  return {
    push(value: T) {
      if (waiter) {
        const resolve = waiter;
        waiter = undefined;
        resolve(value);
      } else queue.push(value);
    },
    next(ms = 5_000): Promise<T> {
      if (queue.length) return Promise.resolve(queue.shift() as T);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing arrived within ${ms} ms`)), ms);
        waiter = (value) => {
          clearTimeout(timer);
          resolve(value);
        };
      });
    },
    get size() {
      return queue.length;
    },
  };
}

describe('PgNotifications', () => {
  let database: { url: string; drop: () => Promise<void> };
  const open: PgNotifications[] = [];
  const connect = async (options = {}) => {
    const notifications = await PgNotifications.connect(database.url, options);
    open.push(notifications);
    return notifications;
  };
  beforeEach(async () => {
    database = await scratchDatabase();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((n) => n.close()));
    await database.drop();
  });

  it('delivers a notification from one connection to a listener on another', async () => {
    const listener = await connect();
    const sender = await connect();
    const received = inbox<[string, string]>();
    await listener.listen('record "updates"', (payload, channel) => received.push([payload, channel]));
    await sender.notify('record "updates"', JSON.stringify({ seq: 7 }));
    expect(await received.next()).toEqual(['{"seq":7}', 'record "updates"']);
  });

  it('stops delivering once the last handler of a channel unlistens', async () => {
    const listener = await connect();
    const sender = await connect();
    const first = inbox<string>();
    const second = inbox<string>();
    const stopFirst = await listener.listen('outcomes', (payload) => first.push(payload));
    const stopSecond = await listener.listen('outcomes', (payload) => second.push(payload));
    await stopFirst();
    await sender.notify('outcomes', 'a');
    expect(await second.next()).toBe('a');
    await stopSecond();
    await sender.notify('outcomes', 'b');
    await sender.notify('other', 'marker');
    // A round trip on the listener's connection after the sends: anything due has arrived.
    await listener.notify('flush', '');
    expect(first.size + second.size).toBe(0);
  });

  it('reconnects after its connection is killed and listens again', async () => {
    const errors = inbox<Error>();
    const reconnects = inbox<true>();
    const listener = await connect({ reconnectDelayMs: 20, onError: (e: Error) => errors.push(e), onReconnect: () => reconnects.push(true) });
    const sender = await connect();
    const received = inbox<string>();
    await listener.listen('records', (payload) => received.push(payload));

    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
      );
      expect(rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    expect((await errors.next()).message).toMatch(/connection lost/);
    await reconnects.next();
    await sender.notify('records', 'after');
    expect(await received.next()).toBe('after');
  });

  it('reports a handler that throws without losing the others', async () => {
    const errors = inbox<Error>();
    const listener = await connect({ onError: (e: Error) => errors.push(e) });
    const received = inbox<string>();
    await listener.listen('c', () => {
      throw new Error('handler bug');
    });
    await listener.listen('c', (payload) => received.push(payload));
    await listener.notify('c', 'x');
    expect(await received.next()).toBe('x');
    expect((await errors.next()).message).toBe('handler bug');
  });

  it('refuses work after close()', async () => {
    const notifications = await connect();
    await notifications.close();
    await notifications.close();
    await expect(notifications.listen('c', () => undefined)).rejects.toThrow(UnavailableError);
    await expect(notifications.notify('c', 'x')).rejects.toThrow(/notify after close/);
  });

  it('fails to connect with the reason', async () => {
    const url = new URL(database.url);
    url.pathname = '/no_such_database_here';
    await expect(PgNotifications.connect(url.toString())).rejects.toThrow(/no_such_database_here/);
  });
});
