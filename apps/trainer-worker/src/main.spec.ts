import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListRecordsRequest, ObjectiveGoal, TrialState, type ReportProgressRequest } from '@vela/contracts';
import { startServiceProcess, type ServiceProcess } from '@vela/grpc-server';
import { seedRunWithTrials, useTestDatabase } from '@vela/testing';
import { reportClient } from '@vela/worker';
import { FakePipeline } from '@vela/worker/testing';

// The trainer-worker process as `vela serve worker` and a container run it.
const TOKEN = 'worker-process-token';
jest.setTimeout(120000);

describe('the trainer-worker process', () => {
  const database = useTestDatabase();
  let master: FakePipeline;
  let artifactRoot: string;
  let report: ServiceProcess;

  beforeAll(async () => {
    artifactRoot = await mkdtemp(join(tmpdir(), 'vela-worker-process-'));
    [master, report] = await Promise.all([
      new FakePipeline({ token: TOKEN, heartbeatMs: 200 }).start(),
      startServiceProcess({ name: 'report', entry: 'apps/report/src/main.ts', env: { DATABASE_URL: database.url, VELA_REPORT_PORT: '0', VELA_TOKEN: TOKEN, VELA_ARTIFACT_ROOT: artifactRoot } }),
    ]);
  });

  afterAll(async () => {
    master?.stop();
    await report?.stop();
    await rm(artifactRoot, { recursive: true, force: true });
  });

  const env = (token: string) => ({
    VELA_PIPELINE_ADDRESS: master.address,
    VELA_REPORT_ADDRESS: report.address,
    VELA_TOKEN: token,
    VELA_WORKER_ID: `process-${token}`,
    VELA_WORKER_CPU_SLOTS: '1',
    VELA_WORKER_BACKEND: 'wasm',
    VELA_WORKER_ACQUIRE_WAIT_MS: '500',
  });

  /** Runs the worker process until it exits by itself: its exit code and stderr. */
  const runToExit = async (settings: NodeJS.ProcessEnv) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'main.ts')], { env: { ...process.env, ...settings }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    return { code, stderr };
  };

  it('exits 1 with a message saying what to set when its token is refused', async () => {
    const { code, stderr } = await runToExit(env('wrong'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^worker: Report refused the worker's token \(.*wrong token.*\); set VELA_TOKEN to the token the services were started with$/m);
  });

  it('exits 1 without registering when it has no CPU slot and sees no GPU, saying what to set', async () => {
    const registrations = master.calls.filter((call) => call.method === 'registerWorker').length;
    const { code, stderr } = await runToExit({ ...env(TOKEN), VELA_WORKER_ID: 'no-capacity', VELA_WORKER_CPU_SLOTS: '0' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^worker: VELA_WORKER_CPU_SLOTS: is 0 and no GPU is visible, so this worker could train nothing; set it to 1 or more$/m);
    expect(master.calls.filter((call) => call.method === 'registerWorker')).toHaveLength(registrations);
  });

  it('on SIGTERM stops its trial at a step boundary, hands it back with its records in Report, deregisters and exits 0', async () => {
    const run = await seedRunWithTrials(database.url, { trials: 1, state: 'LEASED' });
    const trial = master.enqueue({
      id: run.trials[0].id,
      runId: run.runId,
      stepId: run.step,
      desc: { modules: ['backbone'], backbone: { type: 'MLP', hidden_units: [8], num_class: 4 } },
      stepConfig: {
        trainer: { epochs: 500, optimizer: { type: 'SGD', params: { lr: 0.05 } } },
        dataset: { type: 'Synthetic', common: { num_samples: 64, num_test: 16, image_size: [4, 4, 1], num_class: 4, batch_size: 16 } },
      },
      objectives: [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE }],
    });
    const worker = await startServiceProcess({ name: 'worker', entry: 'apps/trainer-worker/src/main.ts', env: env(TOKEN) });
    await master.until(() => master.requests<ReportProgressRequest>('reportProgress', trial.name).some((p) => p.epoch >= 2));
    await worker.stop(30000);
    expect(worker.child.exitCode).toBe(0);
    expect(master.requests('completion', trial.name)).toEqual([]);
    expect(master.requests('deregisterWorker')).toEqual([expect.objectContaining({ name: `workers/process-${TOKEN}` })]);
    expect(master.trials.get(trial.id)?.trial).toMatchObject({ state: TrialState.TRIAL_STATE_PENDING, attempt: 2 });
    expect(worker.outputTail()).toMatch(/handed back after epoch \d+/);

    const client = reportClient(report.address, TOKEN);
    const { records } = await client.listRecords(ListRecordsRequest.fromPartial({ filter: { trialId: trial.id }, pageSize: 1000 }));
    client.close();
    // Every finished epoch is in Report, up to the one it was handed back after (progress
    // reports are spaced by VELA_WORKER_PROGRESS_MS, so the last one may be behind).
    const epochs = records.map((r) => r.epoch).sort((a, b) => a - b);
    expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, i) => i + 1));
    const reported = Math.max(...master.requests<ReportProgressRequest>('reportProgress', trial.name).map((p) => p.epoch));
    expect(epochs.length).toBeGreaterThanOrEqual(reported);
    expect(worker.outputTail()).toContain(`handed back after epoch ${epochs.length}`);
    expect(records.every((r) => r.checkpointArtifact.startsWith('artifacts/'))).toBe(true);
  });
});
