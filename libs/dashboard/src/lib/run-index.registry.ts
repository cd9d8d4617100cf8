import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { RunIndex } from './run-index';
import { UPSTREAM_CLIENTS, type UpstreamClients } from './upstream-clients';

/** How long an index nobody watches or reads stays open (following its streams). */
const IDLE_MS = 5 * 60_000;
const SWEEP_MS = 30_000;

interface Entry {
  readonly index: Promise<RunIndex>;
  lastUsed: number;
  holders: number;
}

/**
 * The open run indexes, one per run, shared by every request and live feed. An index stays
 * open while a feed holds it or it was read recently; an idle one is closed, and the next
 * request loads the run again (so a cached index is always a live one).
 */
@Injectable()
export class RunIndexRegistry implements OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper = setInterval(() => this.closeIdle(Date.now()), SWEEP_MS).unref();

  constructor(@Inject(UPSTREAM_CLIENTS) private readonly clients: UpstreamClients) {}

  /** The run's index, loading it on first use. */
  get(runId: string): Promise<RunIndex> {
    return this.entry(runId).index;
  }

  /** Starts loading the runs' indexes, so opening one of them finds it ready; failures surface on use. */
  prefetch(runIds: readonly string[]): void {
    for (const runId of runIds) this.entry(runId);
  }

  /** The run's index, kept open until `release` (a live feed's subscription). */
  async hold(runId: string): Promise<{ readonly index: RunIndex; release(): void }> {
    const entry = this.entry(runId);
    entry.holders++;
    try {
      const index = await entry.index;
      let released = false;
      return {
        index,
        release: () => {
          if (released) return;
          released = true;
          entry.holders--;
          entry.lastUsed = Date.now();
        },
      };
    } catch (error) {
      entry.holders--;
      throw error;
    }
  }

  /** Closes indexes unused since `now - IDLE_MS` that nobody holds. */
  closeIdle(now: number): void {
    for (const [runId, entry] of this.entries) {
      if (entry.holders > 0 || now - entry.lastUsed < IDLE_MS) continue;
      this.entries.delete(runId);
      void entry.index.then((index) => index.close(), () => undefined);
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    for (const entry of this.entries.values()) void entry.index.then((index) => index.close(), () => undefined);
    this.entries.clear();
  }

  private entry(runId: string): Entry {
    let entry = this.entries.get(runId);
    if (!entry) {
      const created: Entry = { index: RunIndex.open(this.clients, runId), lastUsed: Date.now(), holders: 0 };
      // A failed load is not cached: the next request tries again.
      created.index.catch(() => this.entries.get(runId) === created && this.entries.delete(runId));
      this.entries.set(runId, created);
      entry = created;
    }
    entry.lastUsed = Date.now();
    return entry;
  }
}
