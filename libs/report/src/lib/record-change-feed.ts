import { PgNotifications } from '@vela/db';
import type { RecordChangeFeed } from './record-watch.service';
import { RECORDS_CHANNEL } from './record.service';

/**
 * Record change notifications from every process, through Postgres LISTEN/NOTIFY, listened to
 * only while this process has a watcher: every NOTIFY wakes each listening connection of the
 * database, and a Report nobody watches would be woken by every record it writes.
 */
export class PostgresRecordChangeFeed implements RecordChangeFeed {
  private readonly listeners = new Set<() => void>();
  notifications!: PgNotifications;
  /** The LISTEN while there are watchers: resolves to its UNLISTEN. */
  private listening?: Promise<() => Promise<void>>;

  static async connect(url: string): Promise<PostgresRecordChangeFeed> {
    const feed = new PostgresRecordChangeFeed();
    // After a dropped connection, wake every watcher: each re-reads from its cursor.
    feed.notifications = await PgNotifications.connect(url, { onReconnect: () => feed.changed() });
    return feed;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    if (!this.listening) {
      // Records written before the LISTEN took effect sent no notification here: once it
      // has, every watcher re-reads from its cursor (the poll fallback covers a failure).
      this.listening = this.notifications.listen(RECORDS_CHANNEL, () => this.changed());
      this.listening.then(() => this.changed()).catch(() => undefined);
    }
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0 || !this.listening) return;
      const listening = this.listening;
      this.listening = undefined;
      void listening.then((unlisten) => unlisten()).catch(() => undefined);
    };
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
