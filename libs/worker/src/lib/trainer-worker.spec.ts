import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArtifactKind,
  durationToMillis,
  ListRecordsRequest,
  ObjectiveGoal,
  Record as RecordProto,
  RecordOrder,
  StopReason,
  TrialOutcome,
  TrialState,
  type AcquireTrialsRequest,
  type CompleteTrialRequest,
  type CompleteTrialsRequest,
  type ReportProgressRequest,
} from '@vela/contracts';
import { startServiceProcess, type ServiceProcess } from '@vela/grpc-server';
import { seedRunWithTrials, setTrialState, useTestDatabase, type SeededRun } from '@vela/testing';
import { FakePipeline } from '../testing';
import { ReportChannel, reportClient, type ReportClient } from './report-channel';
import { TrainerWorker } from './trainer-worker';
import { workerSettingsFromEnv } from './worker-settings';

// The worker against a fake master (a real gRPC server on loopback) and the real Report
// service process over a real Postgres: real training of a tiny MLP on synthetic data.
const TOKEN = 'worker-spec-token';
// Project-level testTimeout does not apply when jest runs every project at once.
jest.setTimeout(60000);

const TINY_DESC = { modules: ['backbone'], backbone: { type: 'MLP', hidden_units: [16], num_class: 4 } };
const STEP_CONFIG = {
  trainer: { type: 'Trainer', epochs: 2, optimizer: { type: 'SGD', params: { lr: 0.05, momentum: 0.9 } }, metric: { type: 'accuracy' } },
  dataset: { type: 'Synthetic', common: { num_samples: 128, num_test: 32, image_size: [6, 6, 1], num_class: 4, batch_size: 32, seed: 1 } },
};
const OBJECTIVES = [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE }];

describe('TrainerWorker', () => {
  const database = useTestDatabase();
  let artifactRoot: string;
  let reportProcess: ServiceProcess;
  let report: ReportClient;
  let master: FakePipeline;
  let worker: TrainerWorker;
  let run: SeededRun;
  const lines: string[] = [];

  const settings = (overrides: NodeJS.ProcessEnv = {}) =>
    workerSettingsFromEnv({
      VELA_PIPELINE_ADDRESS: master.address,
      VELA_REPORT_ADDRESS: reportProcess.address,
      VELA_TOKEN: TOKEN,
      VELA_WORKER_ID: 'spec-worker',
      VELA_WORKER_CPU_SLOTS: '2',
      VELA_WORKER_BACKEND: 'wasm',
      VELA_WORKER_ACQUIRE_WAIT_MS: '1000',
      VELA_WORKER_DRAIN_MS: '20000',
      // Every epoch reported at once, so the tests can wait for a given epoch's report.
      VELA_WORKER_PROGRESS_MS: '0',
      ...overrides,
    });

  const trialOf = (index: number, extra: Record<string, unknown> = {}) =>
    master.enqueue({ id: run.trials[index].id, runId: run.runId, stepId: run.step, number: run.trials[index].number, desc: TINY_DESC, hyperparameters: {}, stepConfig: STEP_CONFIG, objectives: OBJECTIVES, seed: 3, ...extra });

  const recordsOf = async (trialId: string) =>
    (await report.listRecords(ListRecordsRequest.fromPartial({ filter: { trialId }, pageSize: 100, order: RecordOrder.RECORD_ORDER_TRIAL }))).records;

  const completionOf = (name: string) => master.requests<CompleteTrialRequest>('completion', name)[0];
  /** The CompleteTrials call that carried a trial's completion. */
  const batchOf = (name: string) => master.requests<CompleteTrialsRequest>('completeTrials').find((batch) => batch.completions.some((completion) => completion.name === name));

  /** A worker of the test's own (its id, and labels its trials ask for, keep it apart from the shared one): started, used, stopped. */
  const withWorker = async (overrides: NodeJS.ProcessEnv, use: (own: TrainerWorker) => Promise<void>) => {
    const own = new TrainerWorker({ settings: settings(overrides), log: (line) => lines.push(line) });
    try {
      await own.start();
      await use(own);
    } finally {
      await own.stop();
    }
  };

  const startReport = (port = '0') =>
    startServiceProcess({ name: 'report', entry: 'apps/report/src/main.ts', env: { DATABASE_URL: database.url, VELA_REPORT_PORT: port, VELA_TOKEN: TOKEN, VELA_ARTIFACT_ROOT: artifactRoot } });

  const until = async (check: () => Promise<boolean>, timeoutMs = 60000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    artifactRoot = await mkdtemp(join(tmpdir(), 'vela-worker-artifacts-'));
    const [started, seeded] = await Promise.all([startReport(), seedRunWithTrials(database.url, { trials: 37, attempt: 1, state: 'LEASED' })]);
    reportProcess = started;
    run = seeded;
    report = reportClient(reportProcess.address, TOKEN);
    master = await new FakePipeline({ token: TOKEN, heartbeatMs: 200 }).start();
    worker = new TrainerWorker({ settings: settings(), log: (line) => lines.push(line) });
    await worker.start();
  }, 120000);

  afterAll(async () => {
    await worker?.stop();
    master?.stop();
    report?.close();
    await reportProcess?.stop();
    await rm(artifactRoot, { recursive: true, force: true });
  });

  it('registers its CPU slots and the backend its training process started, with a process ready per slot', () => {
    const [registration] = master.requests<{ worker: { id: string; capacity: { cpuSlots: number; gpus: number }; backend: string; threads: number } }>('registerWorker');
    expect(registration.worker).toMatchObject({ id: 'spec-worker', capacity: { cpuSlots: 2, gpus: 0 }, backend: 'wasm', threads: 1 });
    // Both training processes started (each says its backend) before the worker registered.
    const registered = lines.findIndex((line) => line.startsWith('worker spec-worker: registered'));
    expect(lines.slice(0, registered).filter((line) => line.includes('compute: backend=wasm'))).toHaveLength(2);
  });

  it('acquires a trial, trains it, streams its records to Report and completes it SUCCEEDED', async () => {
    const trial = trialOf(0);
    await master.until(() => completionOf(trial.name) !== undefined);
    const completion = completionOf(trial.name);
    expect(completion).toMatchObject({ attempt: 1, outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, errorMessage: '', finalEpoch: 2 });
    expect(completion.checkpointArtifact).toMatch(/^artifacts\//);
    expect(completion.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const progress = master.requests<ReportProgressRequest>('reportProgress', trial.name);
    expect(progress[0]).toMatchObject({ epoch: 0, totalEpochs: 2 });
    expect(progress.at(-1)).toMatchObject({ epoch: 2, totalEpochs: 2, objectives: [{ key: 'accuracy' }] });

    const records = await recordsOf(trial.id);
    expect(records.map((r) => [r.epoch, r.trialState])).toEqual([
      [1, TrialState.TRIAL_STATE_RUNNING],
      [2, TrialState.TRIAL_STATE_SUCCEEDED],
    ]);
    const last = records[1];
    expect(last).toMatchObject({ runId: run.runId, stepId: 'nas', attempt: 1, backend: 'wasm', threads: 1, desc: TINY_DESC });
    expect(last.device).toContain('wasm');
    expect(last.objectives).toEqual([{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE, value: last.performance['accuracy'] }]);
    // The completion carries the result's objectives, so the master need not read the record back.
    expect(completion.finalObjectives).toEqual(last.objectives);
    expect(last.params).toBeGreaterThan(0);
    expect(last.flops).toBeGreaterThan(0);
    expect(last.trainDuration!.seconds * 1e9 + last.trainDuration!.nanos).toBeGreaterThan(0);
    expect(last.checkpointArtifact).toBe(completion.checkpointArtifact);
    const { artifact } = await report.getArtifact({ name: last.checkpointArtifact });
    expect(artifact).toMatchObject({ trialId: trial.id, attempt: 1, fileName: 'checkpoint.vela' });
  });

  it("starts a PBT child from its parent's checkpoint, counting its epochs from 0", async () => {
    const parent = run.trials[0].id;
    const parentCheckpoint = master.requests<CompleteTrialRequest>('completion').find((c) => c.name.endsWith(parent))!.checkpointArtifact;
    const child = trialOf(10, { parentTrialId: parent, checkpointArtifact: parentCheckpoint, hyperparameters: { trainer: { optimizer: { params: { lr: 0.01 } } } } });
    await master.until(() => completionOf(child.name) !== undefined);
    expect(completionOf(child.name)).toMatchObject({ outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: 2 });
    expect((await recordsOf(child.id)).map((r) => r.epoch)).toEqual([1, 2]);
    expect(lines.join('\n')).toContain(`starting from parent ${parent}'s ${parentCheckpoint}`);

    const orphan = trialOf(11, { parentTrialId: parent, checkpointArtifact: 'artifacts/0b6d3c1e-93c4-4d8e-a8f5-3b0f2f2b8a11' });
    await master.until(() => completionOf(orphan.name) !== undefined);
    expect(completionOf(orphan.name).outcome).toBe(TrialOutcome.TRIAL_OUTCOME_FAILED);
    expect(completionOf(orphan.name).errorMessage).toMatch(/Report refused the download of artifacts\/0b6d3c1e-.*not found/);
  });

  it('stops a trial the master asks to stop at the next step boundary and completes it CANCELLED', async () => {
    const trial = trialOf(1, { budgetEpochs: 200 });
    await master.until(() => master.requests<ReportProgressRequest>('reportProgress', trial.name).some((p) => p.epoch >= 1));
    master.requestStop(trial.id, StopReason.STOP_REASON_EARLY_STOPPED, 'stopped by the median rule');
    await master.until(() => completionOf(trial.name) !== undefined);
    const completion = completionOf(trial.name);
    expect(completion.outcome).toBe(TrialOutcome.TRIAL_OUTCOME_CANCELLED);
    expect(completion.finalEpoch).toBeLessThan(200);
    expect(completion.errorMessage).toContain('stopped by the median rule');
  });

  it('completes a trial whose desc cannot be built FAILED with the error, recorded in Report with its log tail', async () => {
    const trial = trialOf(2, { desc: { modules: ['backbone'], backbone: { type: 'NoSuchNetwork' } } });
    await master.until(() => completionOf(trial.name) !== undefined);
    const completion = completionOf(trial.name);
    expect(completion.outcome).toBe(TrialOutcome.TRIAL_OUTCOME_FAILED);
    expect(completion.errorMessage).toContain('NoSuchNetwork');
    expect(completion.logTail).toContain('failed');
    expect(completion.finalEpoch).toBeUndefined();
    const records = await recordsOf(trial.id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ epoch: 0, trialState: TrialState.TRIAL_STATE_FAILED });
    expect(records[0].errorMessage).toContain('NoSuchNetwork');
    expect(records[0].logTail).toContain('NoSuchNetwork');
  });

  it('completes a trial whose training diverges FAILED with the metrics that are not finite', async () => {
    const trial = trialOf(6, { hyperparameters: { trainer: { optimizer: { params: { lr: 1e30 } } } } });
    await master.until(() => completionOf(trial.name) !== undefined);
    const completion = completionOf(trial.name);
    expect(completion.outcome).toBe(TrialOutcome.TRIAL_OUTCOME_FAILED);
    expect(completion.errorMessage).toMatch(/^performance: training diverged at epoch 1: .*loss=NaN/);
    const records = await recordsOf(trial.id);
    expect(records.map((r) => [r.epoch, r.trialState])).toEqual([[1, TrialState.TRIAL_STATE_FAILED]]);
    expect(records[0].hyperparameters).toEqual({ trainer: { optimizer: { params: { lr: 1e30 } } } });
  });

  it('starts the retry of a failed attempt that comes back with its own completion at once', async () => {
    master.retryFailed = 1;
    try {
      // Its own label: the retry comes back with the completion, to this worker alone.
      await withWorker({ VELA_WORKER_ID: 'retrying', VELA_WORKER_CPU_SLOTS: '1', VELA_WORKER_LABELS: 'queue=retrying' }, async () => {
        const trial = trialOf(29, { resources: { labels: { queue: 'retrying' } }, hyperparameters: { trainer: { optimizer: { params: { lr: 1e30 } } } } });
        await master.until(() => master.trials.get(trial.id)!.trial.attempt === 2 && master.trials.get(trial.id)!.leasedBy === 'completeTrials');
        // Attempt 2 trains (its records are fenced: Report's table still says attempt 1), well before a lease would expire.
        await master.until(() => lines.some((line) => line.includes(`trial ${trial.name} attempt 2:`)), 15000);
      });
    } finally {
      master.retryFailed = 0;
    }
  });

  it('stops a trial whose lease is lost and does not complete it', async () => {
    const trial = trialOf(3, { budgetEpochs: 200 });
    await master.until(() => master.requests<ReportProgressRequest>('reportProgress', trial.name).some((p) => p.epoch >= 1));
    master.trials.get(trial.id)!.fenced = true;
    await master.until(() => !worker.heldTrials().some((h) => h.trialId === trial.id));
    expect(completionOf(trial.name)).toBeUndefined();
    expect(lines.join('\n')).toContain(`lease on trial ${trial.name} attempt 1 lost`);
  });

  it('resumes a retried attempt from the checkpoint its earlier attempt left in Report', async () => {
    const first = await recordsOf(run.trials[3].id);
    const resumedAfter = first.at(-1)!.epoch;
    expect(resumedAfter).toBeGreaterThanOrEqual(1);
    // The master retries the fenced trial as attempt 2 (Report fences by the trials table).
    await setTrialState(database.url, [run.trials[3].id], 'LEASED', 2);
    const trial = trialOf(3, { attempt: 2, budgetEpochs: resumedAfter + 1 });
    await master.until(() => completionOf(trial.name) !== undefined);
    expect(completionOf(trial.name)).toMatchObject({ outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: resumedAfter + 1 });
    const second = (await recordsOf(trial.id)).filter((r) => r.attempt === 2);
    expect(second.map((r) => r.epoch)).toEqual([resumedAfter + 1]);
    expect(lines.join('\n')).toContain(`resumed from trials/${trial.id}/checkpoint.vela after epoch ${resumedAfter}`);
  });

  it('resumes a RUNNING attempt that a restarted worker still holds from that attempt\'s own last checkpoint', async () => {
    // Trial 3's attempt 2 (the test above) trained and left a checkpoint at each epoch.
    const trainedTo = (await recordsOf(run.trials[3].id)).filter((r) => r.attempt === 2).at(-1)!.epoch;
    await setTrialState(database.url, [run.trials[3].id], 'RUNNING', 2);
    const trial = trialOf(3, { attempt: 2, budgetEpochs: trainedTo + 1 });
    const leased = master.trials.get(trial.id)!;
    leased.owner = 'restarted-running';
    leased.trial = { ...leased.trial, state: TrialState.TRIAL_STATE_RUNNING, leaseOwner: 'restarted-running' };
    // The same trial and attempt completed once already (the test above).
    const completions = () => master.requests<CompleteTrialRequest>('completion', trial.name);
    const earlier = completions().length;
    await withWorker({ VELA_WORKER_ID: 'restarted-running', VELA_WORKER_CPU_SLOTS: '1' }, async () => {
      await master.until(() => completions().length > earlier);
      expect(completions().at(-1)).toMatchObject({ outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: trainedTo + 1 });
      expect(lines.join('\n')).toContain(`resumed from trials/${trial.id}/checkpoint.vela after epoch ${trainedTo}`);
    });
  });

  it('finds the newest checkpoint of earlier attempts among more records than a page holds', async () => {
    const trial = run.trials[33];
    const channel = new ReportChannel(report);
    const owner = { runId: run.runId, trialId: trial.id, attempt: 1 };
    channel.upload('older', new Uint8Array([1]), owner, ArtifactKind.ARTIFACT_KIND_CHECKPOINT);
    channel.upload('newer', new Uint8Array([2]), owner, ArtifactKind.ARTIFACT_KIND_CHECKPOINT);
    await channel.flush();
    const [older, newer] = [channel.artifactName('older')!, channel.artifactName('newer')!];
    // Attempt 1 trained 1,200 epochs (two artifacts stand in for their checkpoints).
    for (let from = 1; from <= 1200; from += 200) {
      const records = Array.from({ length: 200 }, (_, i) => from + i).map((epoch) =>
        RecordProto.fromPartial({ runId: run.runId, stepId: run.step, trialId: trial.id, trialNumber: trial.number, attempt: 1, epoch, trialState: TrialState.TRIAL_STATE_RUNNING, performance: { accuracy: 0.5 }, checkpointArtifact: epoch <= 1000 ? older : newer }),
      );
      await report.updateRecords({ records });
    }
    await setTrialState(database.url, [trial.id], 'LEASED', 2);
    try {
      expect(await channel.latestCheckpoint(trial.id, 1)).toBe(newer);
    } finally {
      channel.close();
    }
  });

  it('keeps training while the master is unreachable and completes the trial once it is back', async () => {
    const trial = trialOf(4, { budgetEpochs: 30 });
    await master.until(() => master.requests<ReportProgressRequest>('reportProgress', trial.name).some((p) => p.epoch >= 1));
    master.stop();
    const stoppedAt = lines.length;
    await until(async () => (await recordsOf(trial.id)).length === 30);
    expect(completionOf(trial.name)).toBeUndefined();
    await master.start(master.port);
    await master.until(() => completionOf(trial.name) !== undefined);
    expect(completionOf(trial.name)).toMatchObject({ outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: 30 });
    expect(lines.join('\n')).toContain('heartbeat failed');
    // The free slot's acquire retried all along, and said so once.
    expect(lines.slice(stoppedAt).filter((line) => line.includes('acquiring trials failed'))).toEqual([expect.stringContaining('retrying until the master answers')]);
  });

  it('buffers records and checkpoints while Report is unreachable and delivers them when it is back', async () => {
    const port = reportProcess.address.split(':')[1];
    await reportProcess.stop();
    const trial = trialOf(5);
    await master.until(() => master.requests<ReportProgressRequest>('reportProgress', trial.name).some((p) => p.epoch === 2));
    expect(completionOf(trial.name)).toBeUndefined();
    reportProcess = await startReport(port);
    await master.until(() => completionOf(trial.name) !== undefined);
    const completion = completionOf(trial.name);
    expect(completion).toMatchObject({ outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: 2 });
    const records = await recordsOf(trial.id);
    expect(records.map((r) => r.epoch)).toEqual([1, 2]);
    expect(records.every((r) => r.checkpointArtifact.startsWith('artifacts/'))).toBe(true);
    expect(lines.join('\n')).toContain('buffering and retrying');
  });

  it('resumes the leases a restarted worker with the same id still holds', async () => {
    const trial = trialOf(7);
    const leased = master.trials.get(trial.id)!;
    leased.owner = 'restarted';
    leased.trial = { ...leased.trial, state: TrialState.TRIAL_STATE_LEASED, leaseOwner: 'restarted' };
    await withWorker({ VELA_WORKER_ID: 'restarted', VELA_WORKER_CPU_SLOTS: '1' }, async () => {
      await master.until(() => completionOf(trial.name) !== undefined);
      expect(completionOf(trial.name)).toMatchObject({ outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: 2 });
      expect(lines.join('\n')).toContain(`worker restarted: resuming leased trial ${trial.name} attempt 1`);
    });
  });

  it('completes FAILED, with its own output as the log tail, a trial whose training process dies, and trains the next in a new process', async () => {
    const plugin = join(__dirname, 'fixtures', 'crashing-trainer.plugin.ts');
    // Only the worker with the plugin (and its label) may take these trials.
    const resources = { labels: { plugin: 'crashing' } };
    await withWorker({ VELA_WORKER_ID: 'crashing', VELA_WORKER_CPU_SLOTS: '1', VELA_PLUGINS: plugin, VELA_WORKER_LABELS: 'plugin=crashing' }, async () => {
      // The slot's one process trains a trial first, then the one that kills it.
      const before = trialOf(27, { resources });
      await master.until(() => completionOf(before.name) !== undefined);
      const doomed = trialOf(8, { resources, stepConfig: { ...STEP_CONFIG, trainer: { ...STEP_CONFIG.trainer, type: 'CrashingTrainer' } } });
      await master.until(() => completionOf(doomed.name) !== undefined);
      const completion = completionOf(doomed.name);
      expect(completion).toMatchObject({ outcome: TrialOutcome.TRIAL_OUTCOME_FAILED, errorMessage: 'the training process exited (SIGKILL) while training' });
      expect(completion.logTail).toContain('crashing-trainer: about to die');
      expect(completion.logTail).not.toContain(before.id);
      const records = await recordsOf(doomed.id);
      expect(records.map((r) => [r.epoch, r.trialState, r.errorMessage])).toEqual([[0, TrialState.TRIAL_STATE_FAILED, completion.errorMessage]]);
      expect(records[0].logTail).toContain('crashing-trainer: about to die');
      const next = trialOf(9, { resources });
      await master.until(() => completionOf(next.name) !== undefined);
      expect(completionOf(next.name).outcome).toBe(TrialOutcome.TRIAL_OUTCOME_SUCCEEDED);
    });
  });

  it("stores each epoch's checkpoint and record in Report before the next epoch trains, so that the master can act on them", async () => {
    // A checkpoint of about 2 MB (an MLP of 283k weights, with SGD's momentum) and four training
    // steps per epoch: the training process's event loop turns only between steps, far fewer
    // times than an upload takes, so the records once reached Report only when training ended.
    const desc = { modules: ['backbone'], backbone: { type: 'MLP', hidden_units: [512, 512], num_class: 4 } };
    const stepConfig = {
      trainer: { ...STEP_CONFIG.trainer, epochs: 3 },
      dataset: { type: 'Synthetic', common: { ...STEP_CONFIG.dataset.common, num_samples: 1024, batch_size: 256 } },
    };
    // A worker of its own: an earlier test's worker that is stopping may still lease a trial any worker could take.
    const resources = { labels: { queue: 'settling' } };
    const trial = trialOf(34, { desc, stepConfig, resources });
    await withWorker({ VELA_WORKER_ID: 'settling', VELA_WORKER_CPU_SLOTS: '1', VELA_WORKER_LABELS: 'queue=settling' }, () => master.until(() => completionOf(trial.name) !== undefined));
    expect(completionOf(trial.name).outcome).toBe(TrialOutcome.TRIAL_OUTCOME_SUCCEEDED);
    const records = (await recordsOf(trial.id)).map((record) => ({ epoch: record.epoch, stored: record.createTime!.getTime(), trained: durationToMillis(record.trainDuration)! }));
    expect(records.map((record) => record.epoch)).toEqual([1, 2, 3]);
    for (const [earlier, later] of [records.slice(0, 2), records.slice(1, 3)]) {
      // Stored an epoch's training (and more: validation, the pause) apart, not together at the end.
      expect(later.stored - earlier.stored).toBeGreaterThanOrEqual(later.trained - earlier.trained);
    }
  });

  it('reports progress at most once per interval, and nothing for a trial that completes within it', async () => {
    const resources = { labels: { progress: 'spaced' } };
    await withWorker({ VELA_WORKER_ID: 'spaced', VELA_WORKER_CPU_SLOTS: '1', VELA_WORKER_PROGRESS_MS: '1500', VELA_WORKER_LABELS: 'progress=spaced' }, async () => {
      const quick = trialOf(12, { resources });
      await master.until(() => completionOf(quick.name) !== undefined);
      expect(completionOf(quick.name)).toMatchObject({ outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: 2 });
      expect(master.requests<ReportProgressRequest>('reportProgress', quick.name)).toEqual([]);

      const long = trialOf(13, { resources, budgetEpochs: 20000 });
      const sentAt: number[] = [];
      await master.until(() => {
        const reports = master.requests<ReportProgressRequest>('reportProgress', long.name);
        if (reports.length > sentAt.length) sentAt.push(Date.now());
        return reports.length >= 2 || completionOf(long.name) !== undefined;
      });
      const reports = master.requests<ReportProgressRequest>('reportProgress', long.name);
      expect(reports.length).toBeGreaterThanOrEqual(2);
      // Epochs between reports were coalesced: each report carries the newest epoch.
      expect(reports[1].epoch).toBeGreaterThan(reports[0].epoch + 1);
      for (let i = 1; i < sentAt.length; i++) expect(sentAt[i] - sentAt[i - 1]).toBeGreaterThanOrEqual(1400);
    });
  });

  it('asks for its next trial along with a completion, and takes what comes back', async () => {
    const resources = { labels: { queue: 'chained' } };
    // Its trials count as short, but it leases none ahead (VELA_WORKER_LEASE_AHEAD 0): a completion asks for its own slot only.
    const settingsOf = { VELA_WORKER_ID: 'chained', VELA_WORKER_CPU_SLOTS: '1', VELA_WORKER_LABELS: 'queue=chained', VELA_WORKER_LEASE_AHEAD_BELOW_MS: '600000', VELA_WORKER_LEASE_AHEAD: '0' };
    await withWorker(settingsOf, async () => {
      // Long enough that the second is queued before the first ends.
      const first = trialOf(14, { resources, budgetEpochs: 60 });
      await master.until(() => master.trials.get(first.id)?.owner === 'chained');
      const second = trialOf(15, { resources });
      await master.until(() => completionOf(second.name) !== undefined);
      expect(batchOf(first.name)?.acquireNext).toMatchObject({ worker: 'workers/chained', maxTrials: 1, freeCapacity: { cpuSlots: 1 } });
      expect(master.trials.get(first.id)?.leasedBy).toBe('acquireTrials');
      expect(master.trials.get(second.id)?.leasedBy).toBe('completeTrials');
      expect(completionOf(second.name)).toMatchObject({ outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: 2 });
    });
  });

  it('asks along with a completion for the free slot that the AcquireTrials in flight does not ask for', async () => {
    const resources = { labels: { queue: 'pair' } };
    await withWorker({ VELA_WORKER_ID: 'pair', VELA_WORKER_CPU_SLOTS: '2', VELA_WORKER_LABELS: 'queue=pair', VELA_WORKER_ACQUIRE_WAIT_MS: '10000', VELA_WORKER_LEASE_AHEAD_BELOW_MS: '0' }, async () => {
      const short = trialOf(16, { resources });
      const long = trialOf(17, { resources, budgetEpochs: 60 });
      await master.until(() => master.trials.get(short.id)?.owner === 'pair' && master.trials.get(long.id)?.owner === 'pair');
      await master.until(() => completionOf(long.name) !== undefined);
      // The short trial's completion found the queue empty; from then on the acquire loop's
      // long poll asks for that slot. The long trial's completion asks for its own slot only.
      expect(batchOf(short.name)?.acquireNext).toMatchObject({ maxTrials: 1 });
      const polls = master.requests<AcquireTrialsRequest>('acquireTrials', 'workers/pair');
      expect(polls.at(-1)).toMatchObject({ maxTrials: 1 });
      expect(batchOf(long.name)?.acquireNext).toMatchObject({ worker: 'workers/pair', maxTrials: 1, freeCapacity: { cpuSlots: 1 } });
    });
  });

  it('leases trials ahead while trials are short, trains each in the slots\' own processes, and completes them in batches', async () => {
    const resources = { labels: { queue: 'ahead' } };
    // Any trial counts as short here; each trains 2 epochs of a tiny MLP.
    await withWorker({ VELA_WORKER_ID: 'ahead', VELA_WORKER_CPU_SLOTS: '1', VELA_WORKER_LABELS: 'queue=ahead', VELA_WORKER_LEASE_AHEAD_BELOW_MS: '600000' }, async (own) => {
      const first = trialOf(18, { resources });
      await master.until(() => completionOf(first.name) !== undefined);
      const rest = [19, 20, 21].map((index) => trialOf(index, { resources }));
      await master.until(() => rest.every((trial) => master.trials.get(trial.id)?.trial.state === TrialState.TRIAL_STATE_SUCCEEDED));
      // After the first trial, a completion asks for its slot and one more ahead (the default), never more.
      const batches = master.requests<CompleteTrialsRequest>('completeTrials').filter((batch) => batch.acquireNext?.worker === 'workers/ahead');
      expect(Math.max(...batches.map((batch) => batch.acquireNext?.maxTrials ?? 0))).toBe(2);
      // Every trial's final record is in Report before its completion, and each completed once.
      for (const trial of [first, ...rest]) {
        expect(master.requests('completion', trial.name)).toHaveLength(1);
        expect((await recordsOf(trial.id)).at(-1)).toMatchObject({ epoch: 2, trialState: TrialState.TRIAL_STATE_SUCCEEDED });
      }
      // One slot, one training process: the trials leased ahead waited for it.
      expect(own.trainingProcesses).toBe(1);
    });
  });

  it('sends a trial leased ahead to a busy slot\'s process to wait there: stopped while waiting it trains nothing; a process that dies hands it to a new one', async () => {
    const plugin = join(__dirname, 'fixtures', 'crashing-trainer.plugin.ts');
    const resources = { labels: { queue: 'behind' } };
    // Two ahead: one waits in the slot's process, one in the supervisor.
    const settingsOf = { VELA_WORKER_ID: 'behind', VELA_WORKER_CPU_SLOTS: '1', VELA_PLUGINS: plugin, VELA_WORKER_LABELS: 'queue=behind', VELA_WORKER_LEASE_AHEAD_BELOW_MS: '600000', VELA_WORKER_LEASE_AHEAD: '2' };
    await withWorker(settingsOf, async (own) => {
      // While the first trains, two more are queued; its completion leases both (ahead).
      const first = trialOf(22, { resources, budgetEpochs: 40 });
      await master.until(() => master.trials.get(first.id)?.owner === 'behind');
      const long = trialOf(23, { resources, budgetEpochs: 20000 });
      const waiting = trialOf(24, { resources });
      await master.until(() => master.trials.get(waiting.id)?.owner === 'behind');
      await master.until(() => master.requests<ReportProgressRequest>('reportProgress', long.name).length > 0);
      master.requestStop(waiting.id);
      await master.until(() => completionOf(waiting.name) !== undefined);
      expect(completionOf(waiting.name)).toMatchObject({ outcome: TrialOutcome.TRIAL_OUTCOME_CANCELLED });
      expect(await recordsOf(waiting.id)).toEqual([]);
      expect(master.trials.get(long.id)?.trial.state).toBe(TrialState.TRIAL_STATE_RUNNING);

      // The next two go to the one process the same way; the first kills it.
      const doomed = trialOf(25, { resources, stepConfig: { ...STEP_CONFIG, trainer: { ...STEP_CONFIG.trainer, type: 'CrashingTrainer' } } });
      const survivor = trialOf(26, { resources });
      master.requestStop(long.id);
      await master.until(() => completionOf(survivor.name) !== undefined && completionOf(doomed.name) !== undefined);
      expect(completionOf(long.name).outcome).toBe(TrialOutcome.TRIAL_OUTCOME_CANCELLED);
      expect(completionOf(doomed.name)).toMatchObject({ outcome: TrialOutcome.TRIAL_OUTCOME_FAILED, errorMessage: 'the training process exited (SIGKILL) while training' });
      expect(completionOf(survivor.name)).toMatchObject({ outcome: TrialOutcome.TRIAL_OUTCOME_SUCCEEDED, finalEpoch: 2 });
      expect(own.trainingProcesses).toBe(1);
    });
  });

  it('starts no more training processes than its slots when the trials after a crash all look for one at once', async () => {
    const plugin = join(__dirname, 'fixtures', 'crashing-trainer.plugin.ts');
    const resources = { labels: { queue: 'after-crash' } };
    const settingsOf = { VELA_WORKER_ID: 'after-crash', VELA_WORKER_CPU_SLOTS: '1', VELA_PLUGINS: plugin, VELA_WORKER_LABELS: 'queue=after-crash', VELA_WORKER_LEASE_AHEAD_BELOW_MS: '600000', VELA_WORKER_LEASE_AHEAD: '2' };
    await withWorker(settingsOf, async (own) => {
      const first = trialOf(28, { resources });
      await master.until(() => completionOf(first.name) !== undefined);
      // Queued together: the crash leaves trials leased ahead, and its completion brings more,
      // while the slot's next process is still starting.
      const doomed = trialOf(29, { resources, stepConfig: { ...STEP_CONFIG, trainer: { ...STEP_CONFIG.trainer, type: 'CrashingTrainer' } } });
      const rest = [30, 31, 32].map((index) => trialOf(index, { resources }));
      let most = 0;
      await master.until(() => {
        most = Math.max(most, own.trainingProcesses);
        return rest.every((trial) => completionOf(trial.name) !== undefined);
      });
      expect(completionOf(doomed.name).outcome).toBe(TrialOutcome.TRIAL_OUTCOME_FAILED);
      expect(rest.map((trial) => completionOf(trial.name).outcome)).toEqual(rest.map(() => TrialOutcome.TRIAL_OUTCOME_SUCCEEDED));
      expect(most).toBe(1);
      expect(own.trainingProcesses).toBe(1);
    });
  });

  it("fails a benchmark trial whose trained weights were written for another desc, naming the trial's checkpoint", async () => {
    const trained = trialOf(35);
    await master.until(() => completionOf(trained.name) !== undefined);
    const checkpoint = completionOf(trained.name).checkpointArtifact;
    expect(checkpoint).toMatch(/^artifacts\//);
    const otherDesc = { ...TINY_DESC, backbone: { ...TINY_DESC.backbone, hidden_units: [8] } };
    const benchmark = trialOf(36, { desc: otherDesc, checkpointArtifact: checkpoint, stepConfig: { ...STEP_CONFIG, task: 'evaluate' } });
    await master.until(() => completionOf(benchmark.name) !== undefined);
    expect(completionOf(benchmark.name)).toMatchObject({
      outcome: TrialOutcome.TRIAL_OUTCOME_FAILED,
      errorMessage: `checkpoint_artifact: ${checkpoint} (the trained weights this benchmark evaluates) was written for another desc; refusing to load it`,
    });
  });

  it('refuses to start with a wrong token, saying what to set', async () => {
    const stranger = new TrainerWorker({ settings: settings({ VELA_TOKEN: 'wrong', VELA_WORKER_ID: 'stranger', VELA_WORKER_CPU_SLOTS: '1' }), log: () => undefined });
    await expect(stranger.start()).rejects.toThrow(/refused the worker's token .*set VELA_TOKEN/);
  });
});
