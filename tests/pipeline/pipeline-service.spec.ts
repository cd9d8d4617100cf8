import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import {
  AcquireTrialsRequest,
  CompleteTrialRequest,
  CompleteTrialsRequest,
  HeartbeatRequest,
  ObjectiveGoal,
  Record as RecordProto,
  RegisterWorkerRequest,
  ReportProgressRequest,
  RunState,
  StepState,
  StopReason,
  TrialOutcome,
  TrialState,
  WorkerState,
  type Run,
  type TrialEvent,
  type Trial,
} from '@vela/contracts';
import { PipelineServiceService, type PipelineServiceServer } from '@vela/contracts';
import { createAsyncClient } from '@vela/grpc-server';
import { useTestDatabase } from '@vela/testing';
import { searchConfig, startTestCluster, until, type TestCluster } from './cluster';

// The master as users run it: real report, generator and pipeline processes on a real
// Postgres. The test speaks the worker's side of the protocol itself, so it can misbehave
// on purpose (go silent, send stale attempts) where a real worker would not.
jest.setTimeout(180000);

describe('the pipeline master over gRPC', () => {
  const database = useTestDatabase();
  let cluster: TestCluster;

  beforeAll(async () => {
    // Leases of 5 s: short enough to watch them expire, long enough that a busy host's slow calls
    // do not let them expire between a test's own acquire and completion.
    cluster = await startTestCluster(database.url, { VELA_LEASE_SECONDS: '5', VELA_HEARTBEAT_SECONDS: '1' });
  }, 180000);
  afterAll(() => cluster?.stop());

  const register = (id: string, cpuSlots = 1, gpus = 0) =>
    cluster.clients.pipeline.registerWorker(RegisterWorkerRequest.fromPartial({ worker: { id, hostname: 'test', capacity: { cpuSlots, gpus }, backend: 'wasm', device: 'cpu' } }));
  const acquire = (id: string, cpuSlots = 1, waitMs = 3000) =>
    cluster.clients.pipeline.acquireTrials(AcquireTrialsRequest.fromPartial({ name: `workers/${id}`, freeCapacity: { cpuSlots }, maxTrials: cpuSlots, waitTimeout: { seconds: Math.floor(waitMs / 1000), nanos: (waitMs % 1000) * 1e6 } }));
  const createRun = async (config: string) => (await cluster.clients.pipeline.createRun({ configYaml: config, overrides: [], displayName: 'e2e', requestId: '', validateOnly: false })).run!;
  const getRun = async (run: Run) => (await cluster.clients.pipeline.getRun({ name: run.name })).run!;
  /** The run once it is no longer RUNNING. */
  const runEnded = (run: Run) => until('the run to end', async () => {
    const now = await getRun(run);
    return now.state === RunState.RUN_STATE_RUNNING ? undefined : now;
  }, 20000);

  /** What a worker does with a trial: progress and records per epoch, then CompleteTrial. */
  const train = async (trial: Trial, accuracy: number, epochs = 2) => {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const objectives = [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE, value: accuracy * (epoch / epochs) }];
      await cluster.clients.pipeline.reportProgress(ReportProgressRequest.fromPartial({ name: trial.name, attempt: trial.attempt, epoch, totalEpochs: epochs, objectives }));
      await cluster.clients.report.updateRecord({
        record: RecordProto.fromPartial({
          trialId: trial.id,
          attempt: trial.attempt,
          epoch,
          trialState: epoch === epochs ? TrialState.TRIAL_STATE_SUCCEEDED : TrialState.TRIAL_STATE_RUNNING,
          desc: trial.desc,
          hyperparameters: trial.hyperparameters,
          performance: { accuracy: objectives[0].value },
          objectives,
        }),
      });
    }
    // As a worker does, the completion carries the last record's objectives.
    const finalObjectives = [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE, value: accuracy }];
    return cluster.clients.pipeline.completeTrial(
      CompleteTrialRequest.fromPartial({ name: trial.name, attempt: trial.attempt, outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: epochs, requestId: `${trial.id}/${trial.attempt}`, finalObjectives }),
    );
  };

  it('runs a search step from suggestion to pareto front and writes Vega-style outputs', async () => {
    await register('w-search', 2);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 3, inFlight: 2 }));
    expect(run.state).toBe(RunState.RUN_STATE_RUNNING);
    // An earlier run into the same folder left a model that is not on this run's front, and a file of the user's.
    mkdirSync(run.steps[0].outputDir, { recursive: true });
    for (const name of ['desc_9.json', 'hps_9.json', 'model_9.ckpt', 'notes.txt']) writeFileSync(join(run.steps[0].outputDir, name), '{}');
    const trained: string[] = [];
    await until('the run to succeed', async () => {
      const { trials } = await acquire('w-search', 2, 1000);
      for (const trial of trials) {
        expect(trial.stepConfig).toMatchObject({ trainer: { epochs: 2 }, dataset: { type: 'Synthetic' } });
        expect(trial.desc).toMatchObject({ modules: ['backbone'], backbone: { type: 'MLP' } });
        expect(trial.hyperparameters).toHaveProperty('trainer.optimizer.params.lr');
        // general.seed (3) + the trial's number − 1, whichever refill created it.
        expect(trial.seed).toBe(3 + trial.number - 1);
        await train(trial, 0.5 + 0.1 * trial.number);
        trained.push(trial.id);
      }
      const current = await getRun(run);
      return current.state === RunState.RUN_STATE_SUCCEEDED ? current : undefined;
    });
    expect(trained).toHaveLength(3);
    const final = await getRun(run);
    expect(final.steps[0].trialCounts).toMatchObject({ succeeded: 3, pending: 0, running: 0 });
    const folder = final.steps[0].outputDir;
    expect(readFileSync(join(folder, 'output.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
    const reports = JSON.parse(readFileSync(join(folder, 'reports.json'), 'utf8'));
    expect(reports).toHaveLength(3);
    // The best (highest accuracy) trial is the front of a single objective: trial 3.
    expect(existsSync(join(folder, 'desc_3.json'))).toBe(true);
    expect(existsSync(join(folder, 'hps_3.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(folder, 'performance_3.json'), 'utf8'))).toMatchObject({ accuracy: expect.closeTo(0.8) });
    expect(readdirSync(folder).sort()).toEqual(['desc_3.json', 'hps_3.json', 'notes.txt', 'output.csv', 'performance_3.json', 'reports.json']);
  });

  it('marks an expired lease STALE, retries the trial as attempt 2 and fences the old attempt', async () => {
    await register('w-silent', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 1, inFlight: 1 }));
    const leased = await until('a leased trial', async () => (await acquire('w-silent', 1, 1000)).trials[0]);
    expect(leased.attempt).toBe(1);
    // No heartbeat: after the 5 s lease the attempt is STALE and the trial PENDING again.
    const retried = await until('the retry', async () => {
      const current = (await cluster.clients.pipeline.getTrial({ name: leased.name })).trial!;
      return current.attempt === 2 ? current : undefined;
    }, 20000);
    expect(retried.attempts[0]).toMatchObject({ attempt: 1, state: 5 /* ATTEMPT_STATE_STALE */, workerId: 'w-silent' });
    await expect(
      cluster.clients.pipeline.completeTrial(CompleteTrialRequest.fromPartial({ name: leased.name, attempt: 1, outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED })),
    ).rejects.toMatchObject({ code: status.FAILED_PRECONDITION, details: expect.stringContaining('is on attempt 2') });
    await expect(
      cluster.clients.report.updateRecord({ record: RecordProto.fromPartial({ trialId: leased.id, attempt: 1, epoch: 1, trialState: TrialState.TRIAL_STATE_RUNNING }) }),
    ).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    // A worker that comes back with its stable id gets attempt 2 and finishes it.
    const { trials } = await until('attempt 2', async () => {
      const answer = await acquire('w-silent', 1, 1000);
      return answer.trials.length ? answer : undefined;
    });
    expect(trials[0]).toMatchObject({ id: leased.id, attempt: 2 });
    await train(trials[0], 0.9);
    await until('the run to succeed', async () => ((await getRun(run)).state === RunState.RUN_STATE_SUCCEEDED ? true : undefined));
  });

  it('retries a FAILED attempt while the attempt limit allows, and answers a repeated completion without applying it twice', async () => {
    await register('w-retry', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 1, inFlight: 1 }));
    const first = await until('a leased trial', async () => (await acquire('w-retry', 1, 1000)).trials[0]);
    expect(first).toMatchObject({ runId: run.id, attempt: 1 });
    // The worker asks for its next trial along with the completion: it gets the retry.
    const failed = CompleteTrialRequest.fromPartial({
      name: first.name,
      attempt: 1,
      outcome: TrialOutcome.TRIAL_OUTCOME_FAILED,
      errorMessage: 'boom',
      logTail: 'epoch 1: loss nan\nTraceback: boom',
      requestId: 'retry-1',
      acquireNext: { worker: 'workers/w-retry', freeCapacity: { cpuSlots: 1 }, maxTrials: 1 },
    });
    const answer = await cluster.clients.pipeline.completeTrial(failed);
    expect(answer.trial).toMatchObject({ state: TrialState.TRIAL_STATE_PENDING, attempt: 2, error: 'boom' });
    expect(answer.trial!.attempts[0]).toMatchObject({ attempt: 1, state: 4 /* ATTEMPT_STATE_FAILED */, error: 'boom', logTail: 'epoch 1: loss nan\nTraceback: boom' });
    const [second] = answer.acquiredTrials;
    expect(second).toMatchObject({ id: first.id, attempt: 2, state: TrialState.TRIAL_STATE_LEASED, leaseOwner: 'w-retry' });
    expect(second.attempts.map((a) => a.state)).toEqual([4 /* FAILED */, 1 /* LEASED */]);
    // The same request again (its answer was lost): the same completion, not a third attempt, and nothing more leased.
    const repeated = await cluster.clients.pipeline.completeTrial(failed);
    expect(repeated.trial).toMatchObject({ state: TrialState.TRIAL_STATE_LEASED, attempt: 2 });
    expect(repeated.acquiredTrials).toEqual([]);
    const last = CompleteTrialRequest.fromPartial({ name: first.name, attempt: 2, outcome: TrialOutcome.TRIAL_OUTCOME_FAILED, errorMessage: 'boom again' });
    // max_retries: 1, so attempt 2 is the last: the trial FAILS, and repeating that outcome is harmless.
    expect((await cluster.clients.pipeline.completeTrial(last)).trial).toMatchObject({ state: TrialState.TRIAL_STATE_FAILED, attempt: 2, error: 'boom again' });
    expect((await cluster.clients.pipeline.completeTrial(last)).trial).toMatchObject({ state: TrialState.TRIAL_STATE_FAILED, attempt: 2 });
    await expect(
      cluster.clients.pipeline.completeTrial(CompleteTrialRequest.fromPartial({ ...last, outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED })),
    ).rejects.toMatchObject({ code: status.FAILED_PRECONDITION, details: expect.stringContaining('is already FAILED') });
    await expect(
      cluster.clients.pipeline.completeTrial(CompleteTrialRequest.fromPartial({ ...last, name: `runs/${run.id}/steps/hpo/trials/99` })),
    ).rejects.toMatchObject({ code: status.NOT_FOUND });
    await until('the run to fail', async () => ((await getRun(run)).state === RunState.RUN_STATE_FAILED ? true : undefined));
  });

  it('takes back what a deregistering worker holds at once, and counts only failed and stale attempts against the retries', async () => {
    await register('w-leaving', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 1, inFlight: 1 }));
    const held = await until('a leased trial', async () => (await acquire('w-leaving', 1, 1000)).trials[0]);
    await cluster.clients.pipeline.deregisterWorker({ name: 'workers/w-leaving', reason: 'SIGTERM' });
    // Queued again at once (the lease has seconds left), as attempt 2; attempt 1 is fenced.
    const handedBack = (await cluster.clients.pipeline.getTrial({ name: held.name })).trial!;
    expect(handedBack).toMatchObject({ state: TrialState.TRIAL_STATE_PENDING, attempt: 2 });
    expect(handedBack.attempts[0]).toMatchObject({ attempt: 1, state: 6 /* ATTEMPT_STATE_CANCELLED */, error: "handed back: worker 'w-leaving' deregistered" });
    await expect(
      cluster.clients.pipeline.completeTrial(CompleteTrialRequest.fromPartial({ name: held.name, attempt: 1, outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED })),
    ).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    // max_retries: 1 allows two failed attempts; the hand-back was none of them.
    await register('w-staying', 1);
    const second = await until('attempt 2', async () => (await acquire('w-staying', 1, 1000)).trials.find((trial) => trial.id === held.id));
    const failed = await cluster.clients.pipeline.completeTrial(CompleteTrialRequest.fromPartial({ name: held.name, attempt: second.attempt, outcome: TrialOutcome.TRIAL_OUTCOME_FAILED, errorMessage: 'boom' }));
    expect(failed.trial).toMatchObject({ state: TrialState.TRIAL_STATE_PENDING, attempt: 3 });
    const third = await until('attempt 3', async () => (await acquire('w-staying', 1, 1000)).trials.find((trial) => trial.id === held.id));
    await train(third, 0.8);
    await until('the run to succeed', async () => ((await getRun(run)).state === RunState.RUN_STATE_SUCCEEDED ? true : undefined));
  });

  it('ends a trial that was asked to stop as CANCELLED when its lease expires, instead of queueing it for ever', async () => {
    await register('w-vanishing', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 1, inFlight: 1 }));
    const held = await until('a leased trial', async () => (await acquire('w-vanishing', 1, 1000)).trials[0]);
    await cluster.clients.pipeline.cancelRun({ name: run.name, reason: 'cancelled while its worker went silent' });
    // The worker never hears of the stop; its lease (5 s) expires.
    const ended = await until('the trial to end', async () => {
      const trial = (await cluster.clients.pipeline.getTrial({ name: held.name })).trial!;
      return trial.state === TrialState.TRIAL_STATE_LEASED ? undefined : trial;
    }, 20000);
    expect(ended).toMatchObject({ state: TrialState.TRIAL_STATE_CANCELLED, attempt: 1, error: expect.stringContaining('cancelled while its worker went silent') });
    expect(ended.attempts[0]).toMatchObject({ attempt: 1, state: 5 /* ATTEMPT_STATE_STALE */ });
    expect((await getRun(run)).state).toBe(RunState.RUN_STATE_CANCELLED);
  });

  it('leases the next trial in the statement of a successful completion, and nothing along a refused one', async () => {
    await register('w-chain', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 3, inFlight: 2 }));
    const first = await until('a leased trial', async () => (await acquire('w-chain', 1, 1000)).trials[0]);
    const queued = async () => (await cluster.clients.pipeline.listTrials({ parent: `${run.name}/steps/-`, pageSize: 10, pageToken: '', filter: undefined })).trials;
    const second = await until('a second trial queued', async () => (await queued()).find((trial) => trial.state === TrialState.TRIAL_STATE_PENDING));
    const along = { worker: 'workers/w-chain', freeCapacity: { cpuSlots: 1 }, maxTrials: 1 };
    // A stale attempt's completion is refused, and takes nothing along.
    await expect(
      cluster.clients.pipeline.completeTrial(CompleteTrialRequest.fromPartial({ name: first.name, attempt: 7, outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, acquireNext: along })),
    ).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    expect((await queued()).find((trial) => trial.id === second.id)?.state).toBe(TrialState.TRIAL_STATE_PENDING);
    const answer = await cluster.clients.pipeline.completeTrial(
      CompleteTrialRequest.fromPartial({ name: first.name, attempt: 1, outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: 0, requestId: 'chain-1', acquireNext: along }),
    );
    expect(answer.trial).toMatchObject({ id: first.id, state: TrialState.TRIAL_STATE_SUCCEEDED });
    expect(answer.acquiredTrials.map((trial) => [trial.id, trial.state, trial.leaseOwner, trial.attempts.map((a) => a.state)])).toEqual([[second.id, TrialState.TRIAL_STATE_LEASED, 'w-chain', [1 /* LEASED */]]]);
    // The answer was lost and the worker sends it again: the same completion, nothing more leased.
    const repeated = await cluster.clients.pipeline.completeTrial(
      CompleteTrialRequest.fromPartial({ name: first.name, attempt: 1, outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: 0, requestId: 'chain-1', acquireNext: along }),
    );
    expect(repeated.trial).toMatchObject({ id: first.id, state: TrialState.TRIAL_STATE_SUCCEEDED });
    expect(repeated.acquiredTrials).toEqual([]);
    // Its trials were never trained: end the run so that later tests' workers do not get them.
    // It may have failed for that meanwhile (a success without records), even between a look
    // at its state and the cancel: then the cancel is refused as the run has ended.
    await cluster.clients.pipeline.cancelRun({ name: run.name, reason: 'the test ends' }).catch((error: { code?: number; details?: string }) => {
      if (error.code !== status.FAILED_PRECONDITION || !error.details?.includes('already ended')) throw error;
    });
  });

  it('completes a batch of trials and writes their records in one call each, answering every item alone', async () => {
    await register('w-batch', 2);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 4, inFlight: 4 }));
    const leased = await until('two leased trials', async () => {
      const { trials } = await acquire('w-batch', 2, 1000);
      return trials.length === 2 ? trials : undefined;
    });
    const objectives = [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE, value: 0.8 }];
    const finalRecord = (trial: Trial, attempt = trial.attempt) =>
      RecordProto.fromPartial({ trialId: trial.id, attempt, epoch: 1, trialState: TrialState.TRIAL_STATE_SUCCEEDED, desc: trial.desc, hyperparameters: trial.hyperparameters, performance: { accuracy: 0.8 }, objectives });
    const written = await cluster.clients.report.updateRecords({ records: [finalRecord(leased[0]), finalRecord(leased[1], 5), finalRecord(leased[1])] });
    expect(written.results.map((result) => [result.code, result.record?.trialId])).toEqual([
      [status.OK, leased[0].id],
      [status.FAILED_PRECONDITION, undefined],
      [status.OK, leased[1].id],
    ]);
    expect(written.results[1].message).toMatch(/record\.attempt: attempt 5 .* has not started/);
    const success = (trial: Trial) =>
      CompleteTrialRequest.fromPartial({ name: trial.name, attempt: trial.attempt, outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: 1, finalObjectives: objectives, requestId: `batch-${trial.id}` });
    const batch = CompleteTrialsRequest.fromPartial({
      completions: [success(leased[0]), { ...success(leased[1]), attempt: 9, requestId: 'stale' }, { ...success(leased[1]), name: 'runs/x' }, success(leased[1])],
      acquireNext: { worker: 'workers/w-batch', freeCapacity: { cpuSlots: 2 }, maxTrials: 2 },
    });
    const answer = await cluster.clients.pipeline.completeTrials(batch);
    expect(answer.results.map((result) => [result.code, result.trial?.id, result.trial?.state])).toEqual([
      [status.OK, leased[0].id, TrialState.TRIAL_STATE_SUCCEEDED],
      [status.FAILED_PRECONDITION, undefined, undefined],
      [status.INVALID_ARGUMENT, undefined, undefined],
      [status.OK, leased[1].id, TrialState.TRIAL_STATE_SUCCEEDED],
    ]);
    expect(answer.results[1].message).toContain('completion of attempt 9 refused');
    expect(answer.results[2].message).toMatch(/^completions\[2\]\.name: /);
    expect(answer.acquiredTrials).toHaveLength(2);
    expect(answer.acquiredTrials.every((trial) => trial.state === TrialState.TRIAL_STATE_LEASED && trial.leaseOwner === 'w-batch')).toBe(true);
    // The answer was lost and the worker sends the batch again: the same answers, nothing more leased.
    const again = await cluster.clients.pipeline.completeTrials({ ...batch, acquireNext: undefined });
    expect(again.results.map((result) => [result.code, result.trial?.state])).toEqual(answer.results.map((result) => [result.code, result.trial?.state]));
    expect(again.acquiredTrials).toEqual([]);
    await expect(cluster.clients.pipeline.completeTrials({ completions: [], acquireNext: undefined })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await cluster.clients.pipeline.cancelRun({ name: run.name, reason: 'the test ends' }).catch((error: { code?: number; details?: string }) => {
      if (error.code !== status.FAILED_PRECONDITION || !error.details?.includes('already ended')) throw error;
    });
  });

  it('lets a worker that reconnects before expiry keep its leases, and stops trials of a cancelled run', async () => {
    await register('w-reconnect', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 2, inFlight: 1 }));
    const trial = await until('a trial', async () => (await acquire('w-reconnect', 1, 1000)).trials[0]);
    const again = await register('w-reconnect', 1);
    expect(again.leasedTrials.map((t) => t.id)).toEqual([trial.id]);
    await cluster.clients.pipeline.cancelRun({ name: run.name, reason: 'e2e cancel' });
    const beat = await cluster.clients.pipeline.heartbeat(HeartbeatRequest.fromPartial({ name: 'workers/w-reconnect', leases: [{ trialId: trial.id, attempt: trial.attempt }] }));
    expect(beat.stops).toEqual([expect.objectContaining({ trialId: trial.id, reason: StopReason.STOP_REASON_CANCELLED })]);
    await cluster.clients.pipeline.completeTrial(CompleteTrialRequest.fromPartial({ name: trial.name, attempt: trial.attempt, outcome: TrialOutcome.TRIAL_OUTCOME_CANCELLED }));
    const cancelled = await getRun(run);
    expect(cancelled.state).toBe(RunState.RUN_STATE_CANCELLED);
    expect(cancelled.steps[0].trialCounts?.cancelled).toBeGreaterThanOrEqual(1);
  });

  it('queues nothing more for a cancelled run, though its driver wakes for the cancel itself', async () => {
    await register('w-cancel-queue', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 20, inFlight: 4 }));
    const pending = async () =>
      (await cluster.clients.pipeline.listTrials({ parent: `${run.name}/steps/-`, pageSize: 100, pageToken: '', filter: { states: [TrialState.TRIAL_STATE_PENDING] } })).trials;
    await until('trials queued', async () => ((await pending()).length >= 2 ? true : undefined));
    await cluster.clients.pipeline.cancelRun({ name: run.name, reason: 'e2e cancel of a queue' });
    // The driver's next pass (it wakes for the cancel) and the scheduler's tick that stops it.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await pending()).map((trial) => trial.number)).toEqual([]);
    const cancelled = await getRun(run);
    expect(cancelled.state).toBe(RunState.RUN_STATE_CANCELLED);
    expect(cancelled.steps[0].trialCounts?.pending).toBe(0);
  });

  it('ends a search step once max_trials trials have ended, though the algorithm would suggest more', async () => {
    await register('w-max-trials', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 6, inFlight: 2, maxTrials: 2 }));
    for (const accuracy of [0.5, 0.6]) {
      const trial = await until('a trial', async () => (await acquire('w-max-trials', 1, 1000)).trials.find((t) => t.runId === run.id));
      await train(trial, accuracy);
    }
    const ended = await runEnded(run);
    expect(ended.state).toBe(RunState.RUN_STATE_SUCCEEDED);
    expect(ended.steps[0].trialCounts?.succeeded).toBe(2);
    expect(ended.steps[0].endReason).toBe('general.limits.max_trials (2) reached');
  });

  it('keeps a TrainPipeStep within trials_in_flight, creating its models\' trials as earlier ones end', async () => {
    const folder = join(cluster.workDir, 'models-capped');
    mkdirSync(folder, { recursive: true });
    for (let i = 1; i <= 3; i++) writeFileSync(join(folder, `desc_${i}.json`), JSON.stringify({ modules: ['backbone'], backbone: { type: 'MLP', hidden_units: [4 * i], num_class: 2 } }));
    await register('w-capped', 4);
    const run = await createRun(`
general:
  seed: 3
  task: { local_base_path: ${cluster.workDir} }
  limits: { trials_in_flight: 1 }
pipeline: [fully_train]
fully_train:
  pipe_step: { type: TrainPipeStep, models_folder: ${folder} }
  dataset: { type: Synthetic, common: { num_samples: 64, num_test: 32, image_size: [4, 4, 1], num_class: 2, batch_size: 16 } }
  trainer: { type: Trainer, epochs: 2, optimizer: { type: SGD, params: { lr: 0.01 } } }
`);
    for (const accuracy of [0.5, 0.6, 0.7]) {
      const leased = await until('a trial', async () => {
        const mine = (await acquire('w-capped', 4, 1000)).trials.filter((trial) => trial.runId === run.id);
        return mine.length > 0 ? mine : undefined;
      });
      expect(leased).toHaveLength(1);
      await train(leased[0], accuracy);
    }
    const ended = await runEnded(run);
    expect(ended.state).toBe(RunState.RUN_STATE_SUCCEEDED);
    expect(ended.steps[0].trialCounts?.succeeded).toBe(3);
  });

  it("ends a search step the run's budget leaves no time for with nothing, and still trains what an earlier step found", async () => {
    await register('w-budget', 1);
    const base = searchConfig(cluster.workDir, { samples: 1, inFlight: 1 });
    const search = base.slice(base.indexOf('hpo:\n'));
    const config = `${base.slice(0, base.indexOf('pipeline: [hpo]')).replace('max_retries: 1', 'max_retries: 1, max_duration: 2s')}pipeline: [hpo, hpo2, fully_train]
${search}${search.replace('hpo:\n', 'hpo2:\n')}fully_train:
  pipe_step: { type: TrainPipeStep, models_folder: "{local_base_path}/output/hpo/" }
  dataset: { type: Synthetic, common: { num_samples: 64, num_test: 32, image_size: [4, 4, 1], num_class: 2, batch_size: 16 } }
  trainer: { type: Trainer, epochs: 2 }
`;
    const run = await createRun(config);
    const steps: string[] = [];
    await until('the run to end', async () => {
      for (const trial of (await acquire('w-budget', 1, 1000)).trials.filter((t) => t.runId === run.id)) {
        // hpo's one trial ends once the budget is spent, so hpo2 starts with none left.
        if (trial.stepId === 'hpo') await new Promise((resolve) => setTimeout(resolve, 2500));
        steps.push(trial.stepId);
        await train(trial, 0.7);
      }
      const current = await getRun(run);
      return current.state === RunState.RUN_STATE_RUNNING ? undefined : current;
    });
    const ended = await getRun(run);
    expect(ended.state).toBe(RunState.RUN_STATE_SUCCEEDED);
    expect(steps).toEqual(['hpo', 'fully_train']);
    expect(ended.steps.map((step) => [step.id, step.state, step.trialCounts?.succeeded])).toEqual([
      ['hpo', StepState.STEP_STATE_SUCCEEDED, 1],
      ['hpo2', StepState.STEP_STATE_SUCCEEDED, 0],
      ['fully_train', StepState.STEP_STATE_SUCCEEDED, 1],
    ]);
    // GetRun says what ended a search step early (hpo's depends on whether a pass saw its trial running when the budget ran out).
    expect(ended.steps.slice(1).map((step) => step.endReason)).toEqual(["the run's wall-clock budget (general.limits.max_duration: 2 s) is spent", '']);
  });

  it('fails a TrainPipeStep whose folder holds a desc that cannot build, naming the file, before any trial', async () => {
    const folder = join(cluster.workDir, 'models-typo');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'desc_1.json'), JSON.stringify({ modules: ['backbone'], backbone: { type: 'MLP', hidden_units: [4], num_class: 2 } }));
    writeFileSync(join(folder, 'desc_2.json'), JSON.stringify({ modules: ['backbone'], backbone: { type: 'MLP', hiden_units: [4], num_class: 2 } }));
    const run = await createRun(`
general:
  task: { local_base_path: ${cluster.workDir} }
pipeline: [fully_train]
fully_train:
  pipe_step: { type: TrainPipeStep, models_folder: ${folder} }
  dataset: { type: Synthetic }
  trainer: { type: Trainer, epochs: 1 }
`);
    const ended = await runEnded(run);
    expect(ended.state).toBe(RunState.RUN_STATE_FAILED);
    expect(ended.error).toContain(`fully_train: the model of ${join(folder, 'desc_2.json')} does not build: backbone.hiden_units: unknown argument; did you mean 'hidden_units'?`);
    expect(ended.steps[0].trialCounts).toMatchObject({ pending: 0, succeeded: 0, failed: 0 });
  });

  it('rejects a trial no registered worker could ever hold, with the reason', async () => {
    await register('w-cpu-only', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 1, gpus: 2 }));
    const failed = await until('the rejection', async () => {
      const { trials } = await cluster.clients.pipeline.listTrials({ parent: `${run.name}/steps/-`, pageSize: 10, pageToken: '', filter: undefined });
      return trials.find((t) => t.state === TrialState.TRIAL_STATE_FAILED);
    });
    expect(failed.error).toContain('no registered worker could ever hold this trial');
    expect(failed.error).toContain('needs 2 GPU(s)');
  });

  it('refuses a bad config with every error and its line, and a call without the token', async () => {
    const bad = searchConfig(cluster.workDir).replace('RandomSearch', 'RandomSerch').replace('epochs: 2', 'epochs: 0');
    const attempt = createRun(bad);
    await expect(attempt).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    const details = await attempt.catch((error: { details: string }) => error.details);
    expect(details).toMatch(/line \d+|:\d+:/);
    expect(details).toContain('RandomSerch');
    expect(details).toContain("did you mean 'RandomSearch'");
    expect(details).toContain('hpo.trainer.epochs');
    // YAML that does not parse: where, and the master goes on serving.
    const unparsable = createRun('general:\n  seed: 3\npipeline: [hpo\nhpo: {pipe_step: {type: SearchPipeStep}\n');
    await expect(unparsable).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/line \d+/) });
    await expect(cluster.clients.pipeline.listRuns({ pageSize: 1, pageToken: '' })).resolves.toBeDefined();
    const anonymous = createAsyncClient<PipelineServiceServer>(PipelineServiceService, 'vela.v1.PipelineService', cluster.pipeline.address);
    await expect(anonymous.listRuns({ pageSize: 1, pageToken: '' })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    anonymous.close();
  });

  it('resumes an unfinished run after a master restart without retraining finished trials', async () => {
    await register('w-restart', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 3, inFlight: 1 }));
    const first = await until('a first trial', async () => (await acquire('w-restart', 1, 1000)).trials[0]);
    await train(first, 0.6);
    await cluster.restartPipeline();
    const seen = [first.id];
    await until('the run to succeed after the restart', async () => {
      const { trials } = await acquire('w-restart', 1, 1000);
      for (const trial of trials) {
        expect(seen).not.toContain(trial.id);
        seen.push(trial.id);
        await train(trial, 0.7);
      }
      return (await getRun(run)).state === RunState.RUN_STATE_SUCCEEDED ? true : undefined;
    });
    expect(seen).toHaveLength(3);
  });

  it('lets a worker complete a trial it held while the master was down for longer than a lease', async () => {
    await register('w-outage', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 1, inFlight: 1 }));
    const held = await until('a leased trial', async () => (await acquire('w-outage', 1, 1000)).trials[0]);
    // Down for longer than the lease (5 s): the lease expires meanwhile, and nobody could renew it.
    await cluster.restartPipeline(7000);
    const beat = await cluster.clients.pipeline.heartbeat(HeartbeatRequest.fromPartial({ name: 'workers/w-outage', freeCapacity: { cpuSlots: 0 }, leases: [{ trialId: held.id, attempt: held.attempt }] }));
    expect(beat.stops).toEqual([]);
    expect(beat.renewals).toEqual([expect.objectContaining({ trialId: held.id, attempt: 1 })]);
    await train(held, 0.8);
    const ended = await runEnded(run);
    expect(ended.state).toBe(RunState.RUN_STATE_SUCCEEDED);
    expect((await cluster.clients.pipeline.getTrial({ name: held.name })).trial).toMatchObject({ state: TrialState.TRIAL_STATE_SUCCEEDED, attempt: 1 });
  });

  it('stops a trial that an early-stopping rule gives up on, through the stop signal, and counts it stopped early though the run is cancelled before it stops', async () => {
    await register('w-early', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 2, inFlight: 1, earlyStopping: '{ type: median, startup_trials: 1 }' }));
    const first = await until('a first trial', async () => (await acquire('w-early', 1, 1000)).trials[0]);
    await train(first, 0.9);
    const second = await until('a second trial', async () => (await acquire('w-early', 1, 1000)).trials[0]);
    const bad = [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE, value: 0.01 }];
    await cluster.clients.report.updateRecord({
      record: RecordProto.fromPartial({ trialId: second.id, attempt: second.attempt, epoch: 1, trialState: TrialState.TRIAL_STATE_RUNNING, desc: second.desc, objectives: bad, performance: { accuracy: 0.01 } }),
    });
    const stop = await until('the early stop', async () => {
      const answer = await cluster.clients.pipeline.reportProgress(ReportProgressRequest.fromPartial({ name: second.name, attempt: second.attempt, epoch: 1, totalEpochs: 2, objectives: bad }));
      return answer.stop;
    }, 20000);
    expect(stop).toMatchObject({ trialId: second.id, reason: StopReason.STOP_REASON_EARLY_STOPPED, message: expect.stringContaining('median') });
    // Cancelled while the worker has yet to act on the stop: the trial keeps the rule's reason.
    await cluster.clients.pipeline.cancelRun({ name: run.name, reason: 'enough' });
    await cluster.clients.pipeline.completeTrial(CompleteTrialRequest.fromPartial({ name: second.name, attempt: second.attempt, outcome: TrialOutcome.TRIAL_OUTCOME_CANCELLED }));
    const stopped = (await cluster.clients.pipeline.getTrial({ name: second.name })).trial!;
    expect(stopped).toMatchObject({ state: TrialState.TRIAL_STATE_CANCELLED, stopReason: StopReason.STOP_REASON_EARLY_STOPPED });
    // GetRun counts it among the cancelled trials, and as stopped early.
    const counts = await until('the trial counted', async () => {
      const current = (await getRun(run)).steps[0].trialCounts;
      return current?.cancelled === 1 ? current : undefined;
    });
    expect(counts).toMatchObject({ succeeded: 1, cancelled: 1, earlyStopped: 1 });
  });

  it('makes each trial ask for devices_per_trainer devices: as many CPU slots, or GPUs on a worker without slots', async () => {
    await register('w-one-slot', 1);
    await register('w-two-gpus', 0, 2);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 1, inFlight: 1 }).replace('  seed: 3\n', '  seed: 3\n  devices_per_trainer: 2\n'));
    // One free slot is not enough for it; two free GPUs are.
    const oneSlot = await acquire('w-one-slot', 1, 1000);
    expect(oneSlot.trials.filter((trial) => trial.runId === run.id)).toEqual([]);
    const onGpus = await until('the trial on the GPU worker', async () =>
      (
        await cluster.clients.pipeline.acquireTrials(AcquireTrialsRequest.fromPartial({ name: 'workers/w-two-gpus', freeCapacity: { gpus: 2 }, maxTrials: 2, waitTimeout: { seconds: 1 } }))
      ).trials.find((trial) => trial.runId === run.id),
    );
    expect(onGpus.resources).toMatchObject({ gpus: 0, cpuSlots: 2 });
    await train(onGpus, 0.9);
    await until('the run to succeed', async () => ((await getRun(run)).state === RunState.RUN_STATE_SUCCEEDED ? true : undefined));
  });

  it('shares a worker between runs: one acquire of two trials takes one of each run that has none in flight', async () => {
    await register('w-shared', 2);
    const first = await createRun(searchConfig(cluster.workDir, { samples: 2, inFlight: 2 }));
    const second = await createRun(searchConfig(cluster.workDir, { samples: 2, inFlight: 2 }));
    const queued = async (run: Run) => (await getRun(run)).steps[0]?.trialCounts?.pending ?? 0;
    await until('both runs to queue their trials', async () => ((await queued(first)) === 2 && (await queued(second)) === 2 ? true : undefined));
    const { trials } = await acquire('w-shared', 2, 1000);
    expect(trials.map((trial) => trial.runId).sort()).toEqual([first.id, second.id].sort());
    for (const trial of trials) await train(trial, 0.8);
    await until('both runs to succeed', async () => {
      for (const trial of (await acquire('w-shared', 2, 500)).trials) await train(trial, 0.8);
      const states = [(await getRun(first)).state, (await getRun(second)).state];
      return states.every((state) => state === RunState.RUN_STATE_SUCCEEDED) ? true : undefined;
    });
  });

  it('shows a worker that deregistered and went silent as LEFT, listed only when asked for, and DRAINING if heard from again', async () => {
    await register('w-gone', 1);
    await cluster.clients.pipeline.deregisterWorker({ name: 'workers/w-gone', reason: 'SIGTERM' });
    const listed = async (states: WorkerState[], showLeft = false) =>
      (await cluster.clients.pipeline.listWorkers({ filter: { states }, showLeft, pageSize: 100, pageToken: '' })).workers.find((worker) => worker.id === 'w-gone');
    expect((await listed([]))?.state).toBe(WorkerState.WORKER_STATE_DRAINING);
    await until('the worker to have left', async () => ((await listed([WorkerState.WORKER_STATE_LEFT]))?.state === WorkerState.WORKER_STATE_LEFT ? true : undefined), 20000);
    expect(await listed([])).toBeUndefined();
    expect((await listed([], true))?.state).toBe(WorkerState.WORKER_STATE_LEFT);
    expect(await listed([WorkerState.WORKER_STATE_DRAINING], true)).toBeUndefined();
    const beat = await cluster.clients.pipeline.heartbeat(HeartbeatRequest.fromPartial({ name: 'workers/w-gone', freeCapacity: { cpuSlots: 1 } }));
    expect(beat.workerState).toBe(WorkerState.WORKER_STATE_DRAINING);
    expect((await listed([]))?.state).toBe(WorkerState.WORKER_STATE_DRAINING);
    // Registered again under its id, it takes work.
    await register('w-gone', 1);
    expect((await listed([]))?.state).toBe(WorkerState.WORKER_STATE_ACTIVE);
  });

  it('keeps a trial that only a LOST worker could hold waiting for it, and gives it to the worker when it is back', async () => {
    await register('w-gpus-away', 0, 2);
    await until('the GPU worker to be LOST', async () => {
      const { workers } = await cluster.clients.pipeline.listWorkers({ filter: undefined, showLeft: false, pageSize: 100, pageToken: '' });
      return workers.find((worker) => worker.id === 'w-gpus-away')?.state === WorkerState.WORKER_STATE_LOST ? true : undefined;
    }, 20000);
    await register('w-cpu-here', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 1, gpus: 2 }));
    const reason = await until('the wait reason', async () => (await getRun(run)).steps[0]?.waitReason || undefined);
    expect(reason).toBe('1 trial(s) wait for a worker to take them');
    const { trials } = await cluster.clients.pipeline.listTrials({ parent: `${run.name}/steps/-`, pageSize: 10, pageToken: '', filter: undefined });
    expect(trials.map((trial) => trial.state)).toEqual([TrialState.TRIAL_STATE_PENDING]);
    // Back: its acquire renews it, and it takes the trial.
    const back = await until('the trial on the returning worker', async () =>
      (
        await cluster.clients.pipeline.acquireTrials(AcquireTrialsRequest.fromPartial({ name: 'workers/w-gpus-away', freeCapacity: { gpus: 2 }, maxTrials: 1, waitTimeout: { seconds: 1 } }))
      ).trials.find((trial) => trial.runId === run.id),
    );
    await train(back, 0.9);
    await until('the run to succeed', async () => ((await getRun(run)).state === RunState.RUN_STATE_SUCCEEDED ? true : undefined));
  });

  it('streams trial events with WatchRun when asked: each change of a trial once, to its result', async () => {
    await register('w-watched', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 2, inFlight: 1 }));
    const events: TrialEvent[] = [];
    const watching = (async () => {
      for await (const { run: seen, trialEvents } of cluster.clients.pipeline.watchRun({ name: run.name, afterRevision: 0, includeTrialEvents: true })) {
        events.push(...trialEvents);
        if (seen?.state === RunState.RUN_STATE_SUCCEEDED) return;
      }
    })();
    await until('the run to succeed', async () => {
      for (const trial of (await acquire('w-watched', 1, 500)).trials) await train(trial, 0.5 + 0.2 * trial.number);
      return (await getRun(run)).state === RunState.RUN_STATE_SUCCEEDED ? true : undefined;
    });
    await watching;
    const byTrial = (number: number) => events.filter((event) => event.number === number);
    // Changes closer together than a message come as one event: a trial's events follow its lifecycle, whichever it skips.
    const lifecycle = [TrialState.TRIAL_STATE_PENDING, TrialState.TRIAL_STATE_LEASED, TrialState.TRIAL_STATE_RUNNING, TrialState.TRIAL_STATE_SUCCEEDED];
    for (const number of [1, 2]) {
      const seen = byTrial(number);
      expect(seen[0]).toMatchObject({ trial: `${run.name}/steps/hpo/trials/${number}`, stepId: 'hpo', attempt: 1 });
      const steps = seen.map((event) => lifecycle.indexOf(event.state));
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      expect(seen[seen.length - 1]).toMatchObject({ state: TrialState.TRIAL_STATE_SUCCEEDED, epoch: 2, objectives: [expect.objectContaining({ key: 'accuracy', value: expect.closeTo(number === 1 ? 0.7 : 0.9) })] });
      // Each change once: no two events of a trial in the same state and attempt.
      expect(new Set(seen.map((event) => `${event.state}/${event.attempt}`)).size).toBe(seen.length);
    }
    // A watch that starts after the end gets every trial as it is, in its first message.
    for await (const { trialEvents } of cluster.clients.pipeline.watchRun({ name: run.name, afterRevision: 0, includeTrialEvents: true })) {
      expect(trialEvents.map((event) => [event.number, event.state])).toEqual([
        [1, TrialState.TRIAL_STATE_SUCCEEDED],
        [2, TrialState.TRIAL_STATE_SUCCEEDED],
      ]);
      break;
    }
  });

  it('says a pending trial waits for free capacity while every active worker is busy', async () => {
    // The workers of earlier tests send no heartbeats: once they are LOST, only the busy one is active.
    await until('the other workers to be LOST', async () => {
      const { workers } = await cluster.clients.pipeline.listWorkers({ filter: undefined, showLeft: false, pageSize: 100, pageToken: '' });
      return workers.every((worker) => worker.state !== WorkerState.WORKER_STATE_ACTIVE) ? true : undefined;
    }, 20000);
    await register('w-busy', 1);
    const run = await createRun(searchConfig(cluster.workDir, { samples: 2, inFlight: 2 }));
    await until('a trial for the busy worker', async () => (await acquire('w-busy', 1, 1000)).trials.find((trial) => trial.runId === run.id));
    const reason = await until('the wait reason', async () => {
      const waitReason = (await getRun(run)).steps[0]?.waitReason;
      return waitReason?.includes('busy') ? waitReason : undefined;
    });
    // One of the run's two trials waits, or both where the worker's slot went to another run's trial first.
    const busy = /^[12] trial\(s\) wait for free capacity: all 1 worker\(s\) are busy$/;
    expect(reason).toMatch(busy);
    const { trials } = await cluster.clients.pipeline.listTrials({ parent: `${run.name}/steps/-`, pageSize: 10, pageToken: '', filter: { states: [TrialState.TRIAL_STATE_PENDING] } });
    expect(trials.length).toBeGreaterThanOrEqual(1);
    for (const trial of trials) expect(trial.waitReason).toMatch(busy);
    await cluster.clients.pipeline.cancelRun({ name: run.name, reason: 'the test ends' });
  });

  it('refuses a worker id that a live worker on another host holds, and lets the same host register again', async () => {
    await register('w-twin', 1);
    const twin = cluster.clients.pipeline.registerWorker(
      RegisterWorkerRequest.fromPartial({ worker: { id: 'w-twin', hostname: 'another-host', capacity: { cpuSlots: 1 }, backend: 'wasm', device: 'cpu' } }),
    );
    await expect(twin).rejects.toMatchObject({ code: status.ALREADY_EXISTS, details: expect.stringContaining("held by a live worker on host 'test'") });
    await expect(register('w-twin', 1)).resolves.toMatchObject({ worker: expect.objectContaining({ id: 'w-twin', hostname: 'test' }) });
  });
});
