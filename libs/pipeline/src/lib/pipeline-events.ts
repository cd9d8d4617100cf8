import { PgNotifications } from '@vela/db';

/** Waits for events that may have arrived since the previous wait. */
export interface EventLatch {
  /** Resolves at once if an event came since the last call, else at the next one, after `timeoutMs`, or on abort. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/**
 * NOTIFY channels of the pipeline's tables; payloads are run ids. A run's change (its
 * revision moved: a trial or step changed with it) is one notification on RUNS_CHANNEL, which
 * wakes the run's watchers and its driver; TRIALS_CHANNEL alone wakes only the driver (a
 * change watchers need not see, such as a progress report).
 */
export const TRIALS_CHANNEL = 'vela_trials';
export const RUNS_CHANNEL = 'vela_runs';
/** Trials became PENDING (new, retried, promoted, or their run resumed): only this wakes waiting acquirers. */
export const QUEUE_CHANNEL = 'vela_queue';

/**
 * Wake-ups across processes: a trial changed (run drivers wait on it), a trial became
 * PENDING (acquirers wait on it), a run changed (WatchRun waits on it). Waits are latched (an event during the
 * waiter's work is kept for its next wait) and have a timeout, so a notification lost while
 * the connection was down only delays, never blocks.
 */
export class PipelineEvents {
  private readonly waiters = new Map<string, Set<(runId: string) => void>>();
  private notifications!: PgNotifications;

  static async connect(url: string): Promise<PipelineEvents> {
    const events = new PipelineEvents();
    events.notifications = await PgNotifications.connect(url, { onReconnect: () => events.wakeAll() });
    for (const channel of [TRIALS_CHANNEL, QUEUE_CHANNEL]) {
      await events.notifications.listen(channel, (payload) => events.fire(channel, payload));
    }
    await events.notifications.listen(RUNS_CHANNEL, (payload) => {
      events.fire(RUNS_CHANNEL, payload);
      events.fire(TRIALS_CHANNEL, payload);
    });
    return events;
  }

  /**
   * A listener that remembers: an event that arrives while its owner is busy (between two
   * `next()` calls) makes the next `next()` resolve at once, so no wake-up is lost.
   */
  latch(channel: string, runId?: string): EventLatch {
    let pending = false;
    let wake: (() => void) | undefined;
    const listener = (id: string) => {
      if (runId && id !== runId && id !== '') return;
      pending = true;
      wake?.();
    };
    let set = this.waiters.get(channel);
    if (!set) this.waiters.set(channel, (set = new Set()));
    set.add(listener);
    return {
      next: (timeoutMs, signal) =>
        new Promise<void>((resolve) => {
          if (pending || signal?.aborted) {
            pending = false;
            return resolve();
          }
          const done = () => {
            clearTimeout(timer);
            wake = undefined;
            signal?.removeEventListener('abort', done);
            pending = false;
            resolve();
          };
          const timer = setTimeout(done, timeoutMs);
          wake = done;
          signal?.addEventListener('abort', done, { once: true });
        }),
      close: () => {
        set.delete(listener);
        wake?.();
      },
    };
  }

  close(): Promise<void> {
    return this.notifications.close();
  }

  private fire(channel: string, runId: string): void {
    for (const listener of [...(this.waiters.get(channel) ?? [])]) listener(runId);
  }

  private wakeAll(): void {
    for (const channel of this.waiters.keys()) this.fire(channel, '');
  }
}
