import { ObjectiveGoal, Record as RecordProto, Run, Trial, TrialState, type ListRecordsRequest, type ListTrialsRequest } from '@vela/contracts';
import { RunIndex, type RunIndexChange } from './run-index';
import type { UpstreamClients } from './upstream-clients';

const RUN_ID = '3f1c2a4e-9b7d-4c1e-8a2f-6d5e4c3b2a10';

/** A server stream the test feeds; it ends when the caller aborts. */
class Stream<T> {
  private readonly queued: T[] = [];
  private wake: (() => void) | undefined;

  push(message: T): void {
    this.queued.push(message);
    this.wake?.();
  }

  async *read(signal?: AbortSignal): AsyncIterable<T> {
    while (!signal?.aborted) {
      const next = this.queued.shift();
      if (next !== undefined) yield next;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

const run = (revision: number) => Run.fromPartial({ name: `runs/${RUN_ID}`, id: RUN_ID, revision, steps: [{ id: 'hpo', name: `runs/${RUN_ID}/steps/hpo`, trialCounts: { succeeded: 3 } }] });
const trial = (number: number, state: TrialState) => Trial.fromPartial({ id: `trial-${number}`, stepId: 'hpo', number, state, attempt: 1, hyperparameters: { lr: number / 10 } });
const record = (number: number, epoch: number, accuracy: number, seq: number) =>
  RecordProto.fromPartial({
    runId: RUN_ID,
    stepId: 'hpo',
    trialId: `trial-${number}`,
    trialNumber: number,
    attempt: 1,
    epoch,
    seq,
    trialState: TrialState.TRIAL_STATE_RUNNING,
    performance: { accuracy },
    objectives: [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE, value: accuracy }],
    params: 12,
  });

/**
 * The master and Report as the index calls them: result pages (those after the first wait
 * for `laterPages`), the unfinished trials, and both streams.
 */
function fakeUpstream(resultPages: RecordProto[][], unfinished: () => Trial[], laterPages: Promise<void> = Promise.resolve()) {
  const runs = new Stream<{ run: Run }>();
  const records = new Stream<{ record: RecordProto }>();
  const clients = {
    pipeline: {
      getRun: async () => ({ run: run(1) }),
      listTrials: async (request: ListTrialsRequest) => ({ trials: request.parent.endsWith('/steps/-') ? unfinished() : [], nextPageToken: '', totalSize: 0 }),
      watchRun: (_request: unknown, options: { signal?: AbortSignal }) => runs.read(options.signal),
    },
    report: {
      listRecords: async (request: ListRecordsRequest) => {
        const page = Number(request.pageToken || 0);
        if (page > 0) await laterPages;
        const total = resultPages.flat().length;
        return { records: resultPages[page], nextPageToken: page + 1 < resultPages.length ? String(page + 1) : '', totalSize: total };
      },
      watchRecords: (_request: unknown, options: { signal?: AbortSignal }) => records.read(options.signal),
      getRecord: async (request: { trialId: string }) => ({ record: record(Number(request.trialId.slice('trial-'.length)), 1, 0.55, 0) }),
    },
  } as unknown as UpstreamClients;
  return { clients, runs, records };
}

const nextChange = (index: RunIndex, kind: RunIndexChange['kind']) =>
  new Promise<RunIndexChange>((resolve) => {
    const stop = index.onChange((change) => {
      if (change.kind !== kind) return;
      stop();
      resolve(change);
    });
  });

describe('RunIndex', () => {
  let index: RunIndex | undefined;
  afterEach(() => index?.close());

  it('answers after the first page of results and reads the others as changes', async () => {
    let release!: () => void;
    const upstream = fakeUpstream([[record(1, 2, 0.5, 1)], [record(3, 2, 0.7, 3)]], () => [trial(2, TrialState.TRIAL_STATE_RUNNING)], new Promise((resolve) => (release = resolve)));
    index = await RunIndex.open(upstream.clients, RUN_ID);
    const rest = nextChange(index, 'trials');
    expect(index.loading).toEqual({ loaded: 1, total: 2 });
    expect(index.rowsOf('hpo').map((row) => [row.number, row.state, row.epoch])).toEqual([
      [1, 'SUCCEEDED', 2],
      [2, 'RUNNING', 1], // its latest record, read on opening
    ]);
    release();
    await expect(rest).resolves.toEqual({ kind: 'trials', changed: 1 });
    expect(index.loading).toBeUndefined();
    expect(index.rowsOf('hpo').find((row) => row.number === 3)).toMatchObject({ state: 'SUCCEEDED', epoch: 2, objectives: { accuracy: 0.7, params: 12 } });
    expect(index.objectivesOf('hpo')).toEqual([
      { key: 'accuracy', goal: 'MAXIMIZE' },
      { key: 'params', goal: 'MINIMIZE' },
    ]);
  });

  it('applies watched records newer than the row shows, and a trial the master no longer lists as unfinished has succeeded', async () => {
    let unfinished = [trial(2, TrialState.TRIAL_STATE_RUNNING)];
    const upstream = fakeUpstream([[record(1, 2, 0.5, 4)]], () => unfinished);
    index = await RunIndex.open(upstream.clients, RUN_ID);
    const before = index.rowsOf('hpo');

    const recorded = nextChange(index, 'trials');
    upstream.records.push({ record: record(2, 1, 0.6, 5) });
    await recorded;
    expect(index.rowsOf('hpo')).not.toBe(before);
    expect(index.rowsOf('hpo').find((row) => row.number === 2)).toMatchObject({ state: 'RUNNING', epoch: 1, objectives: { accuracy: 0.6 } });

    // An older epoch changes nothing: the next change is the record after it.
    const changes: RunIndexChange[] = [];
    index.onChange((change) => changes.push(change));
    const later = nextChange(index, 'trials');
    upstream.records.push({ record: record(2, 0, 0.1, 6) });
    upstream.records.push({ record: record(5, 1, 0.2, 7) });
    await later;
    expect(changes).toEqual([{ kind: 'trials', changed: 1 }]);
    expect(index.rowsOf('hpo').find((row) => row.number === 2)).toMatchObject({ epoch: 1, objectives: { accuracy: 0.6 } });

    const succeeded = nextChange(index, 'trials');
    unfinished = [];
    upstream.runs.push({ run: run(2) });
    await succeeded;
    expect(index.run.revision).toBe(2);
    expect(index.rowsOf('hpo').find((row) => row.number === 2)).toMatchObject({ state: 'SUCCEEDED', epoch: 1, objectives: { accuracy: 0.6 } });
  });

  it('computes a derived value once per change', async () => {
    const upstream = fakeUpstream([[record(1, 2, 0.5, 1)]], () => []);
    index = await RunIndex.open(upstream.clients, RUN_ID);
    const compute = jest.fn(() => index!.rowsOf('hpo').length);
    expect(index.derive('count', compute)).toBe(1);
    expect(index.derive('count', compute)).toBe(1);
    expect(compute).toHaveBeenCalledTimes(1);
    const changed = nextChange(index, 'trials');
    upstream.records.push({ record: record(4, 1, 0.9, 2) });
    await changed;
    expect(index.derive('count', compute)).toBe(2);
    expect(compute).toHaveBeenCalledTimes(2);
  });
});
