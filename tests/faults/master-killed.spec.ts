import { ListRecordsRequest, RunState } from '@vela/contracts';
import { useTestDatabase } from '@vela/testing';
import { createRun, runEndedOrDiagnose, expectSucceeded, sql, startFaultCluster, tinySearch, until, type FaultCluster } from './harness';

// The master SIGKILLed in the middle of a run (no shutdown hook runs) and started again on
// the same port: the run resumes from the database and completes; every suggestion became
// exactly one trial, and every trial succeeded exactly once.
jest.setTimeout(150000);

const SAMPLES = 6;

describe('the master killed mid-run', () => {
  const database = useTestDatabase();
  let cluster: FaultCluster;

  beforeAll(async () => {
    cluster = await startFaultCluster(database.url, { VELA_LEASE_SECONDS: '3', VELA_HEARTBEAT_SECONDS: '1' });
    await cluster.startWorker('w-steady', 2);
  }, 120000);
  afterAll(() => cluster?.stop());

  it('resumes the run after a restart: no trial lost, none trained to success twice', async () => {
    const run = await createRun(cluster, tinySearch(cluster.workDir, { samples: SAMPLES, inFlight: 2, epochs: 4, numSamples: 128 }));
    const states = () => sql<{ state: string; n: number }>(database.url, 'SELECT state::text, count(*)::int AS n FROM trials WHERE run_id = $1 GROUP BY state', [run.id]);
    const atKill = await until('a trial to succeed with others still to come', async () => {
      const counts = Object.fromEntries((await states()).map(({ state, n }) => [state, n]));
      return (counts['SUCCEEDED'] ?? 0) >= 1 && (counts['SUCCEEDED'] ?? 0) < SAMPLES - 1 ? counts : undefined;
    }, 60000, 50);
    await cluster.kill('pipeline');
    expect(atKill['SUCCEEDED']).toBeLessThan(SAMPLES - 1);
    // Down for a moment, longer than a heartbeat; the worker keeps retrying.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await cluster.restart('pipeline');

    const ended = await runEndedOrDiagnose(cluster, run, 60000);
    await expectSucceeded(cluster, ended);
    expect({ state: ended.state, error: ended.error }).toEqual({ state: RunState.RUN_STATE_SUCCEEDED, error: '' });
    expect(ended.steps[0].trialCounts).toMatchObject({ succeeded: SAMPLES, failed: 0, pending: 0, running: 0 });

    const trials = await sql<{ number: number; state: string; lr: number; succeeded: number; attempts: number }>(
      database.url,
      `SELECT t.number, t.state::text, (t.hyperparameters #>> '{trainer,optimizer,params,lr}')::float AS lr,
              count(a.*) FILTER (WHERE a.state = 'SUCCEEDED')::int AS succeeded, count(a.*)::int AS attempts
       FROM trials t LEFT JOIN attempts a ON a.trial_id = t.id WHERE t.run_id = $1 GROUP BY t.id ORDER BY t.number`,
      [run.id],
    );
    expect(trials.map((t) => t.number)).toEqual(Array.from({ length: SAMPLES }, (_, i) => i + 1));
    expect(trials.every((t) => t.state === 'SUCCEEDED' && t.succeeded === 1)).toBe(true);
    expect(trials.every((t) => typeof t.lr === 'number' && t.lr > 0)).toBe(true);
    expect(new Set(trials.map((t) => t.lr)).size).toBe(SAMPLES); // no suggestion persisted twice
    // The search completed. Its count of suggestions handed out may exceed the trials: a master
    // killed between the generator's answer and its insert asks again after the restart, and
    // Suggest (which changes no state) hands the same suggestion out again; the trials above
    // show none was persisted twice or lost.
    const [search] = await sql<{ suggestion_count: string; completed: boolean }>(database.url, 'SELECT suggestion_count::text, completed FROM searches WHERE run_id = $1', [run.id]);
    expect(search.completed).toBe(true);
    expect(Number(search.suggestion_count)).toBeGreaterThanOrEqual(SAMPLES);
    // Report: one result per trial, from its successful attempt.
    const { records } = await cluster.clients.report.listRecords(ListRecordsRequest.fromPartial({ filter: { runId: run.id, resultsOnly: true }, pageSize: 100 }));
    expect(records).toHaveLength(SAMPLES);
    const succeededAttempt = await sql<{ trial_id: string; attempt: number }>(database.url, "SELECT a.trial_id::text, a.attempt FROM attempts a JOIN trials t ON t.id = a.trial_id WHERE t.run_id = $1 AND a.state = 'SUCCEEDED'", [run.id]);
    expect(records.map((r) => `${r.trialId}/${r.attempt}/${r.epoch}`).sort()).toEqual(succeededAttempt.map((a) => `${a.trial_id}/${a.attempt}/4`).sort());
    // The master still serves: the restarted one answers for the run it resumed.
    expect((await cluster.clients.pipeline.listRuns({ pageSize: 10, pageToken: '' })).runs.map((r) => r.name)).toContain(run.name);
  });
});
