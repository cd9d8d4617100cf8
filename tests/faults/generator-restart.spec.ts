import {
  AcquireTrialsRequest,
  CompleteTrialRequest,
  ObjectiveGoal,
  Record as RecordProto,
  RegisterWorkerRequest,
  ReportProgressRequest,
  RunState,
  TrialOutcome,
  TrialState,
  type Run,
  type Trial,
} from '@vela/contracts';
import { useTestDatabase } from '@vela/testing';
import { createRun, runEnded, sql, startFaultCluster, until, type FaultCluster } from './harness';

// The generator SIGKILLed and restarted (same port) in the middle of a TPE search: the
// search continues from Postgres and makes the same suggestions as a run of the same seeded
// config without the restart. The test plays the worker (as tests/pipeline does) so that
// every trial's outcome is a fixed function of its hyperparameters, and one trial is in
// flight at a time, so both runs give the algorithm the same observations in the same order.
jest.setTimeout(150000);

const SAMPLES = 7;
const RESTART_AFTER = 3;

const config = (workDir: string) => `
general:
  seed: 21
  task: { local_base_path: ${workDir} }
  limits: { trials_in_flight: 1, max_retries: 1 }
pipeline: [hpo]
hpo:
  pipe_step: { type: SearchPipeStep }
  dataset: { type: Synthetic, common: { num_samples: 64, num_test: 32, image_size: [4, 4, 1], num_class: 2, batch_size: 16 } }
  search_space:
    hyperparameters:
      - { key: trainer.optimizer.params.lr, type: FLOAT_EXP, range: [1e-4, 1e-1] }
      - { key: trainer.optimizer.params.momentum, type: FLOAT, range: [0.0, 0.99] }
      - { key: trainer.optimizer.type, type: CATEGORY, range: [SGD, Adam] }
  search_algorithm: { type: TPE, policy: { num_sample: ${SAMPLES}, n_startup_trials: 2 }, objective_keys: accuracy }
  model: { model_desc: { modules: [backbone], backbone: { type: MLP, hidden_units: [8], num_class: 2 } } }
  trainer: { type: Trainer, epochs: 2, optimizer: { type: SGD, params: { lr: 0.01 } } }
`;

/** The accuracy a trial "reaches": a smooth function of its hyperparameters, best near lr = 1e-2 with Adam. */
function accuracyOf(trial: Trial): number {
  const optimizer = (trial.hyperparameters as { trainer?: { optimizer?: { type?: string; params?: { lr?: number; momentum?: number } } } }).trainer?.optimizer;
  const lr = optimizer?.params?.lr ?? 1;
  const momentum = optimizer?.params?.momentum ?? 0;
  return 0.9 - 0.1 * Math.abs(Math.log10(lr) + 2) - 0.05 * momentum - (optimizer?.type === 'Adam' ? 0 : 0.1);
}

describe('the generator restarted mid-search', () => {
  const database = useTestDatabase();
  let cluster: FaultCluster;

  beforeAll(async () => {
    // A snapshot every 5 observations: the restarted generator restores one and replays the log after it.
    cluster = await startFaultCluster(database.url, { VELA_LEASE_SECONDS: '20', VELA_HEARTBEAT_SECONDS: '2', VELA_GENERATOR_SNAPSHOT_EVERY: '5' });
    await cluster.clients.pipeline.registerWorker(
      RegisterWorkerRequest.fromPartial({ worker: { id: 'w-scripted', hostname: 'test', capacity: { cpuSlots: 1 }, backend: 'wasm', device: 'cpu' } }),
    );
  }, 120000);
  afterAll(() => cluster?.stop());

  /**
   * Waits until the master has forwarded the observation of `trial` at `epoch` (final or
   * not) to the generator. Each step of the scripted worker waits for its observation, so the
   * search's log (the order the algorithm sees) is the same in every run.
   */
  const forwarded = (trial: Trial, epoch: number, final: boolean) =>
    until(`the observation of ${trial.name} at epoch ${epoch}${final ? ' (final)' : ''}`, async () => {
      const rows = await sql(database.url, 'SELECT 1 FROM search_observations WHERE trial_id = $1 AND epoch = $2 AND final = $3', [trial.id, epoch, final]);
      return rows.length > 0 ? true : undefined;
    }, 30000, 50);

  /** What a worker does with a trial: two epochs of records and progress, then CompleteTrial. */
  const train = async (trial: Trial) => {
    const accuracy = accuracyOf(trial);
    await forwarded(trial, 0, false);
    for (let epoch = 1; epoch <= 2; epoch++) {
      const objectives = [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE, value: accuracy - (2 - epoch) * 0.05 }];
      await cluster.clients.pipeline.reportProgress(ReportProgressRequest.fromPartial({ name: trial.name, attempt: trial.attempt, epoch, totalEpochs: 2, objectives }));
      await cluster.clients.report.updateRecord({
        record: RecordProto.fromPartial({
          trialId: trial.id,
          attempt: trial.attempt,
          epoch,
          trialState: epoch === 2 ? TrialState.TRIAL_STATE_SUCCEEDED : TrialState.TRIAL_STATE_RUNNING,
          desc: trial.desc,
          hyperparameters: trial.hyperparameters,
          performance: { accuracy: objectives[0].value },
          objectives,
        }),
      });
      await forwarded(trial, epoch, false);
    }
    // Complete while the master's step loop is idle, so that it forwards this outcome before
    // it asks for the next suggestion (checked below: the premise of the comparison).
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cluster.clients.pipeline.completeTrial(
      CompleteTrialRequest.fromPartial({ name: trial.name, attempt: trial.attempt, outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: 2, requestId: `${trial.id}/${trial.attempt}` }),
    );
    await forwarded(trial, 2, true);
  };

  /** Plays the worker until the run ends; `afterTrial(n)` runs after the n-th completed trial. */
  const drive = async (run: Run, afterTrial: (count: number) => Promise<void> = async () => undefined) => {
    let count = 0;
    await until(
      `${run.name} to end`,
      async () => {
        const { trials } = await cluster.clients.pipeline
          .acquireTrials(AcquireTrialsRequest.fromPartial({ name: 'workers/w-scripted', freeCapacity: { cpuSlots: 1 }, maxTrials: 1, waitTimeout: { seconds: 1 } }))
          .catch(() => ({ trials: [] as Trial[] }));
        for (const trial of trials) {
          await train(trial);
          await afterTrial(++count);
        }
        const current = (await cluster.clients.pipeline.getRun({ name: run.name })).run!;
        return [RunState.RUN_STATE_SUCCEEDED, RunState.RUN_STATE_FAILED].includes(current.state) ? current : undefined;
      },
      100000,
      50,
    );
    return runEnded(cluster, run.name);
  };

  const suggestionsOf = (run: Run) =>
    sql<{ number: number; hyperparameters: unknown; state: string }>(database.url, 'SELECT number, hyperparameters, state::text FROM trials WHERE run_id = $1 ORDER BY number', [run.id]);

  it('continues the search with the suggestions it would have made without the restart', async () => {
    const baseline = await createRun(cluster, config(cluster.workDir), 'baseline');
    expect((await drive(baseline)).state).toBe(RunState.RUN_STATE_SUCCEEDED);
    const expected = await suggestionsOf(baseline);
    expect(expected).toHaveLength(SAMPLES);

    const restarted = await createRun(cluster, config(cluster.workDir), 'restarted');
    const pidBefore = cluster.service('generator').child.pid;
    let observedAtRestart = -1;
    let snapshotAtRestart = -1;
    const ended = await drive(restarted, async (count) => {
      if (count !== RESTART_AFTER) return;
      const [search] = await sql<{ observed_seq: string; state_seq: string }>(database.url, 'SELECT observed_seq::text, state_seq::text FROM searches WHERE run_id = $1', [restarted.id]);
      observedAtRestart = Number(search.observed_seq);
      snapshotAtRestart = Number(search.state_seq);
      await cluster.restart('generator');
    });
    expect(cluster.service('generator').child.pid).not.toBe(pidBefore);
    expect(observedAtRestart).toBeGreaterThan(0); // the search had observations when it went down
    expect(snapshotAtRestart).toBeGreaterThan(0); // and a snapshot of some of them, which the restart restored
    expect({ state: ended.state, error: ended.error }).toEqual({ state: RunState.RUN_STATE_SUCCEEDED, error: '' });
    const actual = await suggestionsOf(restarted);
    // Both searches applied the same observations in the same order (the premise).
    const logOf = (run: Run) =>
      sql(
        database.url,
        `SELECT o.seq::int, t.number, o.attempt, o.epoch, o.final, o.state::text FROM search_observations o
         JOIN searches s ON s.id = o.search_id JOIN trials t ON t.id = o.trial_id WHERE s.run_id = $1 ORDER BY o.seq`,
        [run.id],
      );
    // ... and each suggestion came after the outcome of the trial before it was applied.
    const orderOf = (run: Run) =>
      sql<{ number: number; seen_before_next: boolean | null }>(
        database.url,
        `SELECT t.number, (SELECT max(o.created_at) FROM search_observations o WHERE o.trial_id = t.id AND o.final) <= n.created_at AS seen_before_next
         FROM trials t JOIN trials n ON n.run_id = t.run_id AND n.number = t.number + 1 WHERE t.run_id = $1 ORDER BY t.number`,
        [run.id],
      );
    for (const run of [baseline, restarted]) {
      expect(await orderOf(run)).toEqual(Array.from({ length: SAMPLES - 1 }, (_, i) => ({ number: i + 1, seen_before_next: true })));
    }
    const log = await logOf(restarted);
    expect(log).toHaveLength(SAMPLES * 4);
    expect(log).toEqual(await logOf(baseline));
    expect(actual.map((t) => t.state)).toEqual(Array(SAMPLES).fill('SUCCEEDED'));
    // Trial n of the restarted run has the hyperparameters of trial n of the baseline.
    expect(actual.map((t) => ({ number: t.number, hyperparameters: t.hyperparameters }))).toEqual(expected.map((t) => ({ number: t.number, hyperparameters: t.hyperparameters })));
    // TPE did use what it observed: past the startup trials, suggestions are not all alike.
    expect(new Set(actual.map((t) => JSON.stringify(t.hyperparameters))).size).toBe(SAMPLES);
  });
});
