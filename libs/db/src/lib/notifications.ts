import { Client } from 'pg';
import { UnavailableError } from '@vela/errors';

export type NotificationHandler = (payload: string, channel: string) => void;

export interface NotificationsOptions {
  /**
   * Called after the connection dropped and came back with every channel listened to again.
   * Notifications sent in between are lost (Postgres keeps none for absent listeners), so
   * a consumer re-reads what it watches from the tables here.
   */
  onReconnect?: () => void;
  /** Called when the connection drops (before reconnecting) or a handler throws. */
  onError?: (error: Error) => void;
  /** First delay before reconnecting; doubles per failed try, up to 5 s. Default 100 ms. */
  reconnectDelayMs?: number;
}

const MAX_RECONNECT_DELAY_MS = 5_000;

/**
 * Postgres LISTEN/NOTIFY over one dedicated connection (a pooled one would lose its
 * LISTENs when returned), reconnecting after a drop. Payloads are text of at most 8000
 * bytes (a Postgres limit): send keys and cursors, not records.
 */
export class PgNotifications {
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private client: Client | undefined;
  private ready: Promise<Client>;
  private closed = false;

  private constructor(
    private readonly url: string,
    private readonly options: NotificationsOptions,
  ) {
    this.ready = this.connectOnce();
    this.ready.catch(() => undefined);
  }

  /** Opens the dedicated connection; rejects when the first connect fails. */
  static async connect(url: string, options: NotificationsOptions = {}): Promise<PgNotifications> {
    const notifications = new PgNotifications(url, options);
    await notifications.ready;
    return notifications;
  }

  /**
   * Calls `handler(payload, channel)` for every notification on `channel` from now on.
   * Returns a function that stops it (and UNLISTENs when it was the channel's last one).
   */
  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    this.assertOpen('listen');
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    if (set.size === 1) await this.run(`LISTEN ${quote(channel)}`);
    return async () => {
      const current = this.handlers.get(channel);
      if (!current?.delete(handler) || current.size > 0) return;
      this.handlers.delete(channel);
      if (!this.closed) await this.run(`UNLISTEN ${quote(channel)}`);
    };
  }

  /** Sends `payload` to every listener of `channel`, in any process (on commit, inside a transaction). */
  async notify(channel: string, payload = ''): Promise<void> {
    this.assertOpen('notify');
    await this.run('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /** Closes the connection; no reconnect after this. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Runs a statement on the live connection, once more after a reconnect if it dropped meanwhile. */
  private async run(sql: string, values?: unknown[]): Promise<void> {
    const client = await this.ready;
    try {
      await client.query(sql, values);
    } catch (error) {
      if (this.closed || client === this.client) throw error;
      // The connection dropped under us; a reconnect re-LISTENs every channel by itself,
      // so only a NOTIFY (or UNLISTEN) needs repeating.
      if (sql.startsWith('LISTEN')) return;
      await (await this.ready).query(sql, values);
    }
  }

  private async connectOnce(): Promise<Client> {
    const client = new Client({ connectionString: this.url, keepAlive: true });
    client.on('notification', (message) => this.dispatch(message.channel, message.payload ?? ''));
    client.on('error', (error) => this.dropped(client, error));
    client.on('end', () => this.dropped(client, new Error('connection ended')));
    await client.connect();
    for (const channel of this.handlers.keys()) {
      await client.query(`LISTEN ${quote(channel)}`);
    }
    if (this.closed) {
      await client.end();
      throw new UnavailableError('notifications: closed');
    }
    this.client = client;
    return client;
  }

  private dropped(client: Client, error: Error): void {
    if (this.closed || client !== this.client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.options.onError?.(new UnavailableError(`notifications: connection lost (${error.message}); reconnecting`));
    this.ready = this.reconnect();
    this.ready.catch(() => undefined);
  }

  private async reconnect(): Promise<Client> {
    let delay = this.options.reconnectDelayMs ?? 100;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.closed) throw new UnavailableError('notifications: closed');
      try {
        const client = await this.connectOnce();
        this.options.onReconnect?.();
        return client;
      } catch (error) {
        if (this.closed) throw error;
        delay = Math.min(delay * 2, MAX_RECONNECT_DELAY_MS);
      }
    }
  }

  private dispatch(channel: string, payload: string): void {
    for (const handler of this.handlers.get(channel) ?? []) {
      try {
        handler(payload, channel);
      } catch (error) {
        this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new UnavailableError(`notifications: ${operation} after close()`);
  }
}

/** A channel name as a quoted identifier (LISTEN takes no parameters). */
function quote(channel: string): string {
  return `"${channel.replace(/"/g, '""')}"`;
}
