import { AttemptState, ListRecordsRequest, RunState, TrialState } from '@vela/contracts';
import type { ServiceProcess } from '@vela/grpc-server';
import { useTestDatabase } from '@vela/testing';
import { createRun, runEndedOrDiagnose, expectSucceeded, sql, startFaultCluster, tinySearch, until, type FaultCluster } from './harness';

// A trainer-worker SIGKILLed while its trial is RUNNING: after the 3 s lease the attempt is
// STALE, the trial is leased again (to a second worker) and completes; Report holds exactly
// the epochs each attempt wrote, the stale attempt's untouched.
jest.setTimeout(150000);

const EPOCHS = 12;

interface RecordRow {
  attempt: number;
  epoch: number;
  seq: string;
  updated_at: Date;
  trial_state: string;
  performance: unknown;
  checkpoint_artifact_id: string | null;
}

describe('a worker killed mid-trial', () => {
  const database = useTestDatabase();
  let cluster: FaultCluster;
  let first: ServiceProcess;

  beforeAll(async () => {
    cluster = await startFaultCluster(database.url, { VELA_LEASE_SECONDS: '3', VELA_HEARTBEAT_SECONDS: '1' });
    first = await cluster.startWorker('w-doomed', 1);
  }, 120000);
  afterAll(() => cluster?.stop());

  it('marks its attempt STALE, retries the trial on another worker, and keeps the records exact', async () => {
    // One trial, slow enough (many epochs on more data) to be caught RUNNING.
    const run = await createRun(cluster, tinySearch(cluster.workDir, { samples: 1, inFlight: 1, epochs: EPOCHS, numSamples: 512 }));
    const records = (trialId: string) =>
      sql<RecordRow>(
        database.url,
        'SELECT attempt, epoch, seq::text, updated_at, trial_state::text, performance, checkpoint_artifact_id::text FROM records WHERE trial_id = $1 ORDER BY attempt, epoch',
        [trialId],
      );
    const trialId = await until('the trial to be RUNNING with two epochs recorded', async () => {
      const [trial] = await sql<{ id: string; state: string }>(database.url, 'SELECT id, state::text FROM trials WHERE run_id = $1', [run.id]);
      if (!trial || trial.state !== 'RUNNING') return undefined;
      return (await records(trial.id)).length >= 2 ? trial.id : undefined;
    }, 60000, 50);

    await cluster.killWorker(first);
    // What the dead attempt left, read after its processes are gone: nothing may change it.
    const left = await records(trialId);
    expect(left.every((row) => row.attempt === 1)).toBe(true);
    const written = left.length;
    expect(written).toBeGreaterThanOrEqual(2);
    expect(written).toBeLessThan(EPOCHS); // caught mid-trial, not after its last epoch
    expect(left.map((row) => row.epoch)).toEqual(Array.from({ length: written }, (_, i) => i + 1));
    const [before] = await sql<{ state: string }>(database.url, 'SELECT state::text FROM trials WHERE id = $1', [trialId]);
    expect(['LEASED', 'RUNNING']).toContain(before.state); // the master has not noticed yet

    // A second worker joins; the trial comes back to the queue only after the lease expires.
    await cluster.startWorker('w-rescue', 1);
    const ended = await runEndedOrDiagnose(cluster, run, 60000);
    await expectSucceeded(cluster, ended);
    expect({ state: ended.state, error: ended.error }).toEqual({ state: RunState.RUN_STATE_SUCCEEDED, error: '' });

    const { trials } = await cluster.clients.pipeline.listTrials({ parent: `${run.name}/steps/-`, pageSize: 10, pageToken: '', filter: undefined });
    expect(trials).toHaveLength(1);
    const { trial } = await cluster.clients.pipeline.getTrial({ name: trials[0].name });
    expect(trial).toMatchObject({ id: trialId, state: TrialState.TRIAL_STATE_SUCCEEDED, attempt: 2 });
    expect(trial!.attempts).toEqual([
      expect.objectContaining({ attempt: 1, state: AttemptState.ATTEMPT_STATE_STALE, workerId: 'w-doomed', error: expect.stringContaining('expired') }),
      expect.objectContaining({ attempt: 2, state: AttemptState.ATTEMPT_STATE_SUCCEEDED, workerId: 'w-rescue' }),
    ]);

    // Attempt 2 resumes after the newest checkpoint attempt 1 left, so it writes exactly the
    // epochs after it; attempt 1's rows are as they were when its worker died.
    const resumedAfter = Math.max(0, ...left.filter((row) => row.checkpoint_artifact_id).map((row) => row.epoch));
    const after = await records(trialId);
    const expected = [
      ...left.map((row) => ({ attempt: 1, epoch: row.epoch })),
      ...Array.from({ length: EPOCHS - resumedAfter }, (_, i) => ({ attempt: 2, epoch: resumedAfter + i + 1 })),
    ];
    expect(after.map(({ attempt, epoch }) => ({ attempt, epoch }))).toEqual(expected);
    expect(after.filter((row) => row.attempt === 1)).toEqual(left);
    expect(after.at(-1)).toMatchObject({ attempt: 2, epoch: EPOCHS, trial_state: 'SUCCEEDED' });
    const [{ rows, keys }] = await sql<{ rows: string; keys: string }>(
      database.url,
      'SELECT count(*)::text AS rows, count(DISTINCT (trial_id, attempt, epoch))::text AS keys FROM records WHERE run_id = $1',
      [run.id],
    );
    expect({ rows: Number(rows), keys: Number(keys) }).toEqual({ rows: expected.length, keys: expected.length });
    // Report's view: the trial's result is attempt 2's last epoch.
    const { records: results } = await cluster.clients.report.listRecords(ListRecordsRequest.fromPartial({ filter: { runId: run.id, resultsOnly: true }, pageSize: 10 }));
    expect(results.map((r) => ({ trialId: r.trialId, attempt: r.attempt, epoch: r.epoch }))).toEqual([{ trialId, attempt: 2, epoch: EPOCHS }]);
  });
});
