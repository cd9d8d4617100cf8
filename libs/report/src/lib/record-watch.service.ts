import { Inject, Injectable } from '@nestjs/common';
import { InvalidArgumentError } from '@vela/errors';
import { RecordService } from './record.service';
import type { RecordFilter, StoredRecord } from '@vela/records';

/** Tells watchers that records may have changed (fed by Postgres LISTEN/NOTIFY across processes). */
export interface RecordChangeFeed {
  /** Calls `listener` after each change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}
export const RECORD_CHANGE_FEED = Symbol('RECORD_CHANGE_FEED');

const CATCH_UP_BATCH = 500;
/** A watcher re-reads at least this often even without a notification (a dropped LISTEN connection loses none). */
const POLL_FALLBACK_MS = 2000;

/**
 * WatchRecords: every record matching the filter written after the cursor, in seq order,
 * then each new one as it is written, until the caller aborts. Resumable: a client that
 * reconnects with the last seq it saw misses nothing and sees nothing twice (unless it was
 * rewritten, which gives it a new seq).
 */
@Injectable()
export class RecordWatchService {
  constructor(
    private readonly records: RecordService,
    @Inject(RECORD_CHANGE_FEED) private readonly feed: RecordChangeFeed,
  ) {}

  async *watch(filter: RecordFilter, afterSeq: number, signal: AbortSignal): AsyncGenerator<StoredRecord> {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new InvalidArgumentError(`must be a non-negative integer, got ${afterSeq}`, 'after_seq');
    let cursor = afterSeq;
    let changed = false;
    let wake: (() => void) | undefined;
    const unsubscribe = this.feed.onChange(() => {
      changed = true;
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        changed = false;
        const batch = await this.records.recordsAfter(filter, cursor, CATCH_UP_BATCH);
        for (const record of batch) {
          if (signal.aborted) return;
          cursor = record.seq;
          yield record;
        }
        if (batch.length === CATCH_UP_BATCH || changed) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, POLL_FALLBACK_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      unsubscribe();
    }
  }
}
