/**
 * Sends items in batches: an item added while no batch is in flight goes out at the end of
 * the event loop's turn (with whatever else that turn added); items added while one is in
 * flight go out together right after it. So a steady stream of short trials costs one call
 * per round trip rather than one per trial, and a lone item waits for nothing.
 */
export class Batcher<T> {
  private pending: { item: T; done: () => void }[] = [];
  private sending = false;

  /** `send` handles its own failures (retries, logs); a rejection only ends that batch. */
  constructor(
    private readonly send: (items: T[]) => Promise<void>,
    private readonly maxBatch = 64,
  ) {}

  /** Resolves once the batch holding `item` was sent (or its send failed). */
  add(item: T): Promise<void> {
    return new Promise((done) => {
      this.pending.push({ item, done });
      if (!this.sending) {
        this.sending = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          await this.send(batch.map(({ item }) => item));
        } catch {
          // `send` reports its own failures; the items are done either way.
        } finally {
          for (const { done } of batch) done();
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
