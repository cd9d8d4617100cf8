import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { TrialsChangedEvent } from '../api';
import { DashboardService } from './dashboard.service';
import { RunIndexRegistry } from './run-index.registry';

/** Changes are sent at most this often per browser: a busy search becomes a few events a second. */
const COALESCE_MS = 250;
/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;

/**
 * The live feed of one run as server-sent events. Every browser watching a run shares the
 * run's index (one WatchRun and one WatchRecords stream upstream, however many watch); each
 * gets `run` events (the RunDetail) and `trials` events (how many rows changed), coalesced.
 */
@Injectable()
export class RunFeed implements BeforeApplicationShutdown {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly indexes: RunIndexRegistry,
    private readonly dashboard: DashboardService,
  ) {}

  /** Streams the run's changes to `response` until the browser goes away or the service stops. */
  async stream(runId: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { index, release } = await this.indexes.hold(runId);
    const send = (event: string, data: unknown) => response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    try {
      const detail = await this.dashboard.getRun(runId);
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      send('run', detail);
    } catch (error) {
      release();
      throw error;
    }

    let runChanged = false;
    let changedTrials = 0;
    let pending: NodeJS.Timeout | undefined;
    const flush = () => {
      pending = undefined;
      if (runChanged) void this.dashboard.getRun(runId).then((detail) => send('run', detail), () => undefined);
      if (changedTrials > 0) send('trials', { changed: changedTrials } satisfies TrialsChangedEvent);
      runChanged = false;
      changedTrials = 0;
    };
    const unsubscribe = index.onChange((change) => {
      if (change.kind === 'run') runChanged = true;
      else changedTrials += change.changed;
      pending ??= setTimeout(flush, COALESCE_MS);
    });
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    const close = () => {
      if (!this.open.delete(close)) return;
      clearTimeout(pending);
      clearInterval(keepAlive);
      unsubscribe();
      release();
      response.end();
    };
    this.open.add(close);
    request.on('close', close);
    if (request.destroyed) close();
  }

  /** Ends every stream, so the HTTP server can close. */
  beforeApplicationShutdown(): void {
    for (const close of [...this.open]) close();
  }
}
