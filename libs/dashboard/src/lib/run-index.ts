import { ALL_STEPS, RecordOrder, TrialState, runName, type Record as RecordProto, type Run, type Trial } from '@vela/contracts';
import type { ObjectiveSpecView, TrialRow } from '../api';
import { listAll, type UpstreamClients } from './upstream-clients';
import { isNewerRecord, objectiveSpecView, rowWithRecord, trialRow } from './views';

/** What changed in a run index: the run itself (state, counts, steps) or some trials' rows. */
export type RunIndexChange = { readonly kind: 'run' } | { readonly kind: 'trials'; readonly changed: number };

const PAGE_SIZE = 1000;
/** The first page of results is smaller: it is what a large run's first paint waits for. */
const FIRST_PAGE_SIZE = 250;
const RETRY_MS = 1000;
/** ListTrials' parent for every step of a run (AIP-159's `-`). */
const everyStep = (runId: string) => `${runName(runId)}/steps/${ALL_STEPS}`;
/** Trials the master lists by state; a trial it no longer lists among them has SUCCEEDED. */
const NOT_SUCCEEDED = [TrialState.TRIAL_STATE_PENDING, TrialState.TRIAL_STATE_LEASED, TrialState.TRIAL_STATE_RUNNING, TrialState.TRIAL_STATE_FAILED, TrialState.TRIAL_STATE_CANCELLED];
/** Derived values kept per index at most (each distinct sort, filter or chart is one). */
const MAX_DERIVED = 64;
/** Model statistics every record may carry, minimised (README: Vega's units). */
const MODEL_STATISTICS = ['flops', 'params', 'latency_ms'];

/**
 * One run's trials in memory, kept current by the master's WatchRun and Report's
 * WatchRecords streams, so tables and charts of a 10,000-trial run are answered without
 * re-reading it.
 *
 * Loading reads each trial's result from Report (one ordered listing, page by page) and
 * only the trials that have not succeeded from the master: the master's ListTrials reads
 * attempts per trial, so listing every trial of a large run there is what would be slow.
 *
 * Nothing here is durable: a closed index is rebuilt from the services on next use.
 */
export class RunIndex {
  private readonly rows = new Map<string, TrialRow>();
  /** The trials the master listed as not SUCCEEDED at the last refresh. */
  private unfinished = new Set<string>();
  private afterSeq = 0;
  private resultsLoaded = 0;
  private resultsTotal = 0;
  /** Where reading the results goes on after a failed page. */
  private resumeToken: string | undefined;
  /** Per step, the objectives its records carried (key → spec), in first-seen order. */
  private readonly recordedObjectives = new Map<string, Map<string, ObjectiveSpecView>>();
  private readonly listeners = new Set<(change: RunIndexChange) => void>();
  private readonly closing = new AbortController();
  /** Values computed from the rows (sorted tables, charts), until the next change. */
  private readonly derived = new Map<string, unknown>();
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;

  private constructor(
    private readonly clients: UpstreamClients,
    private current: Run,
  ) {}

  /**
   * Reads the run from the master and the first page of its results from Report, and
   * answers with that (a large run's first paint does not wait for all of it); the other
   * pages follow, each announced as a change, then the record stream. The run stream is
   * followed from the start. Both until `close()`.
   */
  static async open(clients: UpstreamClients, runId: string): Promise<RunIndex> {
    const { run } = await clients.pipeline.getRun({ name: runName(runId) });
    if (!run) throw new Error(`GetRun answered no run for runs/${runId}`);
    const index = new RunIndex(clients, run);
    const [nextPageToken, unfinished] = await Promise.all([index.loadResults(''), index.listTrials(everyStep(runId), NOT_SUCCEEDED)]);
    index.mergeUnfinished(unfinished);
    await index.loadLatestRecords(unfinished.filter((trial) => trial.state === TrialState.TRIAL_STATE_RUNNING));
    void index.follow(() => index.watchRun());
    void index.follow(() => index.loadRemainingResults(nextPageToken)).then(() => index.follow(() => index.watchRecords()));
    return index;
  }

  get run(): Run {
    return this.current;
  }

  /** The step's trials (unordered; shared until the next change, so not to be modified). */
  rowsOf(step: string): readonly TrialRow[] {
    return this.derive(`rows ${step}`, () => [...this.rows.values()].filter((row) => row.step === step));
  }

  /**
   * What a step's charts can plot: its configured objectives, those its records carry (a
   * step seeded or written outside the master may configure none), and the model
   * statistics its results have.
   */
  objectivesOf(step: string): ObjectiveSpecView[] {
    const specs = new Map<string, ObjectiveSpecView>();
    for (const spec of this.current.steps.find((candidate) => candidate.id === step)?.objectives ?? []) specs.set(spec.key, objectiveSpecView(spec));
    for (const [key, spec] of this.recordedObjectives.get(step) ?? []) if (!specs.has(key)) specs.set(key, spec);
    const rows = this.rowsOf(step);
    for (const key of MODEL_STATISTICS) {
      if (!specs.has(key) && rows.some((row) => row.objectives[key] !== undefined)) specs.set(key, { key, goal: 'MINIMIZE' });
    }
    return [...specs.values()];
  }

  /**
   * `compute()`, or its value from an earlier call with the same key since the last change:
   * every viewer of a large run and every page of its table share one sort and one chart.
   */
  derive<T>(key: string, compute: () => T): T {
    if (!this.derived.has(key)) {
      if (this.derived.size >= MAX_DERIVED) this.derived.clear();
      this.derived.set(key, compute());
    }
    return this.derived.get(key) as T;
  }

  onChange(listener: (change: RunIndexChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closing.abort();
    this.listeners.clear();
  }

  /** While the results are still being read: how many of how many. */
  get loading(): { readonly loaded: number; readonly total: number } | undefined {
    return this.resultsLoaded < this.resultsTotal ? { loaded: this.resultsLoaded, total: this.resultsTotal } : undefined;
  }

  /** Reads one page of results (each trial's result record) into the rows; answers the next page's token. */
  private async loadResults(pageToken: string): Promise<string> {
    const page = await this.clients.report.listRecords(
      { filter: { runId: this.current.id, stepId: '', trialId: '', trialStates: [], resultsOnly: true }, pageSize: pageToken ? PAGE_SIZE : FIRST_PAGE_SIZE, pageToken, order: RecordOrder.RECORD_ORDER_TRIAL, orderObjective: undefined },
      { signal: this.closing.signal },
    );
    for (const record of page.records) {
      this.noteRecord(record);
      this.rows.set(record.trialId, { ...rowWithRecord(undefined, record), state: 'SUCCEEDED' });
    }
    this.resultsLoaded += page.records.length;
    this.resultsTotal = page.nextPageToken ? page.totalSize : this.resultsLoaded;
    return page.nextPageToken;
  }

  /**
   * The latest record of each trial in training: the record stream resumes after the newest
   * result read, so an epoch written before that would otherwise show only at the next one.
   */
  private async loadLatestRecords(training: readonly Trial[]): Promise<void> {
    // A trial without a record yet is NOT_FOUND; any other failure leaves the row to the next epoch's record.
    const latest = await Promise.all(training.map((trial) => this.clients.report.getRecord({ trialId: trial.id }, { signal: this.closing.signal }).catch(() => undefined)));
    for (const answer of latest) if (answer?.record) this.applyRecord(answer.record);
  }

  /** The result pages after the first, each a change; a failed page is read again (from the same token). */
  private async loadRemainingResults(firstToken: string): Promise<boolean> {
    for (let pageToken = this.resumeToken ?? firstToken; pageToken; ) {
      const before = this.resultsLoaded;
      pageToken = await this.loadResults(pageToken);
      this.resumeToken = pageToken;
      this.emit({ kind: 'trials', changed: this.resultsLoaded - before });
      this.emit({ kind: 'run' });
    }
    await this.addSucceededWithoutResult();
    return true;
  }

  /** A trial that succeeded without writing a record has no result: the master still lists it. */
  private async addSucceededWithoutResult(): Promise<void> {
    for (const step of this.current.steps) {
      const succeeded = this.rowsOf(step.id).filter((row) => row.state === 'SUCCEEDED').length;
      if (succeeded >= (step.trialCounts?.succeeded ?? 0)) continue;
      let added = 0;
      for (const trial of await this.listTrials(step.name, [TrialState.TRIAL_STATE_SUCCEEDED])) {
        if (this.rows.has(trial.id)) continue;
        this.rows.set(trial.id, trialRow(trial));
        added++;
      }
      if (added > 0) this.emit({ kind: 'trials', changed: added });
    }
  }

  private listTrials(parent: string, states: TrialState[]): Promise<Trial[]> {
    return listAll(
      (pageToken) => this.clients.pipeline.listTrials({ parent, filter: { states }, pageSize: PAGE_SIZE, pageToken }, { signal: this.closing.signal }),
      (page) => page.trials,
    );
  }

  /** Takes the master's view of the unfinished trials; those that left it have succeeded. Returns how many rows changed. */
  private mergeUnfinished(trials: readonly Trial[]): number {
    let changed = 0;
    const now = new Set<string>();
    for (const trial of trials) {
      now.add(trial.id);
      const known = this.rows.get(trial.id);
      const listed = trialRow(trial);
      // A newer attempt starts over: the previous attempt's values no longer describe the trial.
      const next = known && known.attempt === trial.attempt ? { ...known, state: listed.state, error: listed.error } : listed;
      if (!known || known.state !== next.state || known.attempt !== next.attempt || known.error !== next.error) changed++;
      this.rows.set(trial.id, next);
    }
    for (const id of this.unfinished) {
      const row = this.rows.get(id);
      if (!now.has(id) && row && row.state !== 'SUCCEEDED') {
        this.rows.set(id, { ...row, state: 'SUCCEEDED', error: undefined });
        changed++;
      }
    }
    this.unfinished = now;
    return changed;
  }

  /** Re-lists the unfinished trials after a run change; changes during a refresh cause one more. */
  private refreshUnfinished(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const changed = this.mergeUnfinished(await this.listTrials(everyStep(this.current.id), NOT_SUCCEEDED));
        if (changed > 0) this.emit({ kind: 'trials', changed });
      } while (this.refreshAgain && !this.closing.signal.aborted);
    })()
      .catch(() => {
        // The next run change retries; until then the rows keep their last known states.
      })
      .finally(() => {
        this.refreshing = undefined;
      });
  }

  private async watchRun(): Promise<boolean> {
    for await (const { run } of this.clients.pipeline.watchRun({ name: this.current.name, afterRevision: this.current.revision, includeTrialEvents: false }, { signal: this.closing.signal })) {
      if (!run) continue;
      this.current = run;
      this.emit({ kind: 'run' });
      this.refreshUnfinished();
    }
    // The stream ends when the run has finished: nothing more will change.
    return true;
  }

  private async watchRecords(): Promise<boolean> {
    const stream = this.clients.report.watchRecords({ runId: this.current.id, stepId: '', trialId: '', afterSeq: this.afterSeq }, { signal: this.closing.signal });
    for await (const { record } of stream) {
      if (record) this.apply(record);
    }
    return false;
  }

  private noteRecord(record: RecordProto): void {
    this.afterSeq = Math.max(this.afterSeq, record.seq);
    let specs = this.recordedObjectives.get(record.stepId);
    if (!specs) this.recordedObjectives.set(record.stepId, (specs = new Map()));
    for (const objective of record.objectives) if (!specs.has(objective.key)) specs.set(objective.key, objectiveSpecView(objective));
  }

  private apply(record: RecordProto): void {
    if (this.applyRecord(record)) this.emit({ kind: 'trials', changed: 1 });
  }

  /** Shows `record` in its trial's row if it is newer than what the row shows; answers whether it was. */
  private applyRecord(record: RecordProto): boolean {
    this.noteRecord(record);
    const row = this.rows.get(record.trialId);
    if (!isNewerRecord(row, record)) return false;
    this.rows.set(record.trialId, rowWithRecord(row, record));
    return true;
  }

  /** Runs a watch, resuming from its cursor after a dropped stream, until it is done or the index closes. */
  private async follow(watch: () => Promise<boolean>): Promise<void> {
    while (!this.closing.signal.aborted) {
      try {
        if (await watch()) return;
      } catch {
        // A restarted service drops its streams; both resume without gaps from their cursors.
      }
      if (this.closing.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
    }
  }

  private emit(change: RunIndexChange): void {
    this.derived.clear();
    for (const listener of this.listeners) listener(change);
  }
}
