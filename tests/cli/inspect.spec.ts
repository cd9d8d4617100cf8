import {
  AcquireTrialsRequest,
  CompleteTrialRequest,
  ObjectiveGoal,
  Record as RecordProto,
  RegisterWorkerRequest,
  RunState,
  TrialOutcome,
  TrialState,
  type Run,
  type Trial,
} from '@vela/contracts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTestDatabase } from '@vela/testing';
import { sql } from '../faults/harness';
import { TOKEN, searchConfig, startTestCluster, until, type TestCluster } from '../pipeline/cluster';
import { vela } from './vela';

// The inspection commands as people and scripts run them: the real `vela` process against
// real report, generator and pipeline processes on a real Postgres. The test plays the
// worker itself (register, acquire, record, complete) so the runs reach known states fast.
jest.setTimeout(180000);

describe('vela status, runs, workers, report, cancel against a running master', () => {
  const database = useTestDatabase();
  let cluster: TestCluster;
  let env: NodeJS.ProcessEnv;
  let waiting: Run;
  let finished: Run;

  const createRun = async (samples: number) =>
    (await cluster.clients.pipeline.createRun({ configYaml: searchConfig(cluster.workDir, { samples, inFlight: samples }), overrides: [], displayName: `cli-${samples}`, requestId: '', validateOnly: false })).run!;
  const getRun = async (run: Run) => (await cluster.clients.pipeline.getRun({ name: run.name })).run!;
  /** What a worker does with a trial, in one epoch: a final record in Report, then CompleteTrial. */
  const train = async (trial: Trial, accuracy: number) => {
    const objectives = [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE, value: accuracy }];
    await cluster.clients.report.updateRecord({
      record: RecordProto.fromPartial({ trialId: trial.id, attempt: trial.attempt, epoch: 1, trialState: TrialState.TRIAL_STATE_SUCCEEDED, performance: { accuracy }, objectives, params: 1.5 }),
    });
    await cluster.clients.pipeline.completeTrial(CompleteTrialRequest.fromPartial({ name: trial.name, attempt: trial.attempt, outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: 1, requestId: trial.id }));
  };

  const fail = async (trial: Trial) => {
    await cluster.clients.report.updateRecord({
      record: RecordProto.fromPartial({ trialId: trial.id, attempt: trial.attempt, epoch: 1, trialState: TrialState.TRIAL_STATE_FAILED, errorMessage: 'training diverged at epoch 1: loss=NaN', logTail: 'epoch 1/2 lr=1e+30\ntrain_loss=NaN\nfailed: training diverged' }),
    });
    await cluster.clients.pipeline.completeTrial(CompleteTrialRequest.fromPartial({ name: trial.name, attempt: trial.attempt, outcome: TrialOutcome.TRIAL_OUTCOME_FAILED, errorMessage: 'training diverged at epoch 1: loss=NaN', requestId: `${trial.id}/failed` }));
  };

  const register = () =>
    cluster.clients.pipeline.registerWorker(RegisterWorkerRequest.fromPartial({ worker: { id: 'cli-worker', hostname: 'test-host', capacity: { cpuSlots: 3 }, backend: 'wasm', device: 'cpu' } }));

  beforeAll(async () => {
    cluster = await startTestCluster(database.url);
    env = { VELA_PIPELINE_ADDRESS: cluster.pipeline.address, VELA_REPORT_ADDRESS: cluster.report.address, VELA_TOKEN: TOKEN };
    // A run whose trials wait (the worker never asks for them), then one that succeeds.
    await register();
    waiting = await createRun(2);
    await until('the wait reason', async () => ((await getRun(waiting)).steps[0].waitReason ? true : undefined));
  }, 180000);
  afterAll(() => cluster?.stop());

  it('shows a waiting run, its trial counts and why its trials wait; by a prefix of its id, as a table and as JSON', async () => {
    const [table, json] = await Promise.all([vela(['status', waiting.id.slice(0, 8)], env), vela(['status', waiting.id, '--json'], env)]);
    expect(table.status).toBe(0);
    expect(table.stdout).toContain(`run ${waiting.id}  RUNNING  cli-2`);
    expect(table.stdout).toMatch(/STEP\s+TYPE\s+STATE\s+PENDING\s+LEASED\s+RUNNING\s+SUCCEEDED\s+FAILED\s+STOPPED EARLY\s+CANCELLED/);
    expect(table.stdout).toMatch(/hpo\s+SearchPipeStep\s+RUNNING\s+2\s+0\s+0\s+0\s+0\s+0\s+0/);
    expect(table.stdout).toContain('hpo waits: 2 trial(s) wait for a worker to take them');
    expect(json.status).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.run).toMatchObject({ id: waiting.id, state: 'RUN_STATE_RUNNING', steps: [{ id: 'hpo', trialCounts: { pending: 2 } }] });
    expect(parsed.waiting).toEqual({ hpo: ['2 trial(s) wait for a worker to take them'] });
  });

  it('cancels a run through the master, and says so when it is already finished', async () => {
    const cancelled = await vela(['cancel', waiting.id, '--token', TOKEN], { ...env, VELA_TOKEN: 'wrong' });
    expect(cancelled).toMatchObject({ status: 0, stdout: expect.stringContaining(`run ${waiting.id} CANCELLED`) });
    expect((await getRun(waiting)).state).toBe(RunState.RUN_STATE_CANCELLED);
    const again = await vela(['cancel', waiting.id], env);
    expect(again).toMatchObject({ status: 0, stdout: expect.stringContaining('was already CANCELLED; nothing to cancel') });
  });

  it('reports the results and the pareto front of a finished run', async () => {
    await register();
    finished = await createRun(3);
    await until('the run to succeed', async () => {
      const { trials } = await cluster.clients.pipeline.acquireTrials(AcquireTrialsRequest.fromPartial({ name: 'workers/cli-worker', freeCapacity: { cpuSlots: 3 }, maxTrials: 3, waitTimeout: { seconds: 1 } }));
      // By number, not by the order they come in (an acquire skips a trial another statement holds locked for a moment).
      // Trial 1's first attempt fails (its error and log in Report); its retry succeeds.
      for (const trial of trials) await (trial.number === 1 && trial.attempt === 1 ? fail(trial) : train(trial, 0.6 + 0.1 * trial.number));
      return (await getRun(finished)).state === RunState.RUN_STATE_SUCCEEDED ? true : undefined;
    });
    const [table, json, pareto, paretoJson] = await Promise.all([
      vela(['report', finished.id], env),
      vela(['report', finished.id, '--json'], env),
      vela(['report', finished.id, '--pareto', '--step', 'hpo'], env),
      vela(['report', finished.id, '--pareto', '--json'], env),
    ]);
    expect(table.status).toBe(0);
    expect(table.stdout).toContain('hpo (SearchPipeStep, SUCCEEDED): 3 result(s)');
    expect(table.stdout).toMatch(/TRIAL\s+ATTEMPT\s+EPOCH\s+accuracy ↑\s+PARAMS/);
    expect(table.stdout).toMatch(/ 3\s+1\s+1\s+0\.900\s+1\.50K/);
    expect(table.stdout).toContain('  failed attempts:\n    trial 1 attempt 1 (epoch 1): training diverged at epoch 1: loss=NaN\n      | epoch 1/2 lr=1e+30\n      | train_loss=NaN\n      | failed: training diverged');
    expect(JSON.parse(json.stdout).steps[0].records).toHaveLength(3);
    expect(JSON.parse(json.stdout).steps[0].failures).toEqual([expect.objectContaining({ trialNumber: 1, attempt: 1, errorMessage: 'training diverged at epoch 1: loss=NaN', logTail: expect.stringContaining('train_loss=NaN') })]);
    expect(pareto.status).toBe(0);
    expect(pareto.stdout).toContain('hpo (SearchPipeStep, SUCCEEDED): pareto front over accuracy ↑');
    expect(pareto.stdout).toMatch(/ 3\s+1\s+1\s+0\.900/);
    expect(pareto.stdout).not.toMatch(/ 1\s+1\s+1\s+0\.700/);
    const front = JSON.parse(paretoJson.stdout).steps[0];
    expect(front.points).toHaveLength(1);
    expect(front.points[0].record).toMatchObject({ trialNumber: 3, performance: { accuracy: expect.closeTo(0.9) } });
  });

  it('lists the runs and the workers, as tables and as JSON', async () => {
    await register();
    const [runs, runsJson, cancelledOnly, workers, workersJson, latest] = await Promise.all([
      vela(['runs'], env),
      vela(['runs', '--json', '--limit', '1'], env),
      vela(['runs', '--state', 'cancelled', '--json'], env),
      vela(['workers'], env),
      vela(['workers', '--json'], env),
      vela(['status'], env),
    ]);
    expect(runs.status).toBe(0);
    expect(runs.stdout).toMatch(/RUN\s+STATE\s+STEP\s+TRIALS\s+CREATED\s+NAME/);
    expect(runs.stdout).toMatch(new RegExp(`${finished.id}\\s+SUCCEEDED\\s+1/1\\s+3 done\\s+.*ago\\s+cli-3`));
    // A cancelled run says what became of its trials, not only that none is done.
    expect(runs.stdout).toMatch(new RegExp(`${waiting.id}\\s+CANCELLED\\s+0/1\\s+0 done, 2 cancelled\\s+.*ago\\s+cli-2`));
    expect(runs.stdout.indexOf(finished.id)).toBeLessThan(runs.stdout.indexOf(waiting.id)); // newest first
    expect(JSON.parse(runsJson.stdout)).toMatchObject({ runs: [{ id: finished.id, state: 'RUN_STATE_SUCCEEDED' }], totalSize: 2 });
    expect(JSON.parse(cancelledOnly.stdout).runs.map((run: { id: string }) => run.id)).toEqual([waiting.id]);
    expect(workers.status).toBe(0);
    expect(workers.stdout).toMatch(/WORKER\s+STATE\s+HOST\s+CAPACITY\s+FREE\s+TRIALS\s+BACKEND\s+HEARTBEAT/);
    expect(workers.stdout).toMatch(/cli-worker\s+ACTIVE\s+test-host\s+3 slots/);
    expect(JSON.parse(workersJson.stdout).workers).toEqual([expect.objectContaining({ id: 'cli-worker', state: 'WORKER_STATE_ACTIVE', capacity: expect.objectContaining({ cpuSlots: 3 }) })]);
    // A worker that deregistered and has been silent for longer than a lease left: listed with --all only.
    await cluster.clients.pipeline.registerWorker(RegisterWorkerRequest.fromPartial({ worker: { id: 'cli-gone', hostname: 'old-host', capacity: { cpuSlots: 1 } } }));
    await cluster.clients.pipeline.deregisterWorker({ name: 'workers/cli-gone', reason: 'SIGTERM' });
    await sql(database.url, "UPDATE workers SET last_heartbeat_at = now() - interval '1 hour' WHERE id = 'cli-gone'");
    const [present, everyWorker] = await Promise.all([vela(['workers'], env), vela(['workers', '--all'], env)]);
    expect(present.stdout).not.toContain('cli-gone');
    expect(everyWorker.stdout).toMatch(/cli-gone\s+LEFT\s+old-host/);
    expect(everyWorker.stdout).toMatch(/cli-worker\s+ACTIVE/);
    // No run is active: `vela status` shows the latest.
    expect(latest.stdout).toContain('no active runs; the latest:');
    expect(latest.stdout).toContain(`run ${finished.id}  SUCCEEDED`);
  });

  it('fails in one line with exit codes scripts can rely on', async () => {
    const [unknown, badFlag, badState, unreachable, wrongToken, missingStep] = await Promise.all([
      vela(['status', '00000000-0000-4000-8000-000000000000'], env),
      vela(['runs', '--colour'], env),
      vela(['runs', '--state', 'sleeping'], env),
      vela(['runs', '--pipeline-address', '127.0.0.1:1'], env),
      vela(['workers'], { ...env, VELA_TOKEN: 'wrong' }),
      vela(['report', finished.id, '--step', 'nas'], env),
    ]);
    expect(unknown).toMatchObject({ status: 1, stderr: "vela: run '00000000-0000-4000-8000-000000000000' not found; `vela runs` lists the runs\n" });
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toContain("error: unknown option '--colour'");
    expect(badState).toMatchObject({ status: 2, stderr: expect.stringContaining("unknown run state 'sleeping'") });
    expect(unreachable).toMatchObject({
      status: 1,
      stderr: 'vela: cannot reach the master at 127.0.0.1:1 (UNAVAILABLE); start it with `vela serve pipeline` or set --pipeline-address\n',
    });
    expect(wrongToken.status).toBe(1);
    expect(wrongToken.stderr).toMatch(/^vela: the master at \S+ refused the call \(UNAUTHENTICATED: .*\); set --token or VELA_TOKEN to the token the services run with\n$/);
    expect(missingStep).toMatchObject({ status: 2, stderr: `vela: run ${finished.id} has no step 'nas'; its steps are hpo\n` });
  });

  it('submits a config to the running master, and refuses an invalid one with exit code 2', async () => {
    const path = join(cluster.workDir, 'submitted.yml');
    await writeFile(path, searchConfig(cluster.workDir, { samples: 2, inFlight: 1 }));
    const submitted = await vela(['submit', path, '--set', 'hpo.trainer.epochs=1', '--json'], env);
    expect(submitted.status).toBe(0);
    const { run } = JSON.parse(submitted.stdout);
    expect(run).toMatchObject({ state: 'RUN_STATE_RUNNING', displayName: 'submitted.yml', steps: [{ id: 'hpo' }] });
    const created = await getRun(run);
    expect(created.steps[0].id).toBe('hpo');
    await writeFile(path, searchConfig(cluster.workDir).replace('RandomSearch', 'RandomSerch'));
    const refused = await vela(['submit', path], env);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("did you mean 'RandomSearch'");
    expect(await vela(['cancel', run.id], env)).toMatchObject({ status: 0 });
  });
});
