import { status } from '@grpc/grpc-js';
import { ListRecordsRequest, RegisterWorkerRequest, RunState, TrialState } from '@vela/contracts';
import { useTestDatabase } from '@vela/testing';
import { createRun, runEnded, runEndedOrDiagnose, expectSucceeded, startFaultCluster, tinySearch, type FaultCluster } from './harness';

// Bad input ends as a clear error or a FAILED trial with its reason, never as a hang or a
// crash of the master: a search space with no valid point and a network that cannot be built
// are refused when the run is created; a worker offering nothing is refused; a trial that
// throws or whose loss diverges fails with its reason.
jest.setTimeout(150000);

describe('bad input', () => {
  const database = useTestDatabase();
  let cluster: FaultCluster;

  beforeAll(async () => {
    cluster = await startFaultCluster(database.url, { VELA_LEASE_SECONDS: '3', VELA_HEARTBEAT_SECONDS: '1' });
    await cluster.startWorker('w-bad-input', 1);
  }, 120000);
  afterAll(() => cluster?.stop());

  const masterAlive = () => expect({ exitCode: cluster.service('pipeline').child.exitCode, signal: cluster.service('pipeline').child.signalCode }).toEqual({ exitCode: null, signal: null });

  it('refuses a worker that offers no capacity, naming the field', async () => {
    const attempt = cluster.clients.pipeline.registerWorker(
      RegisterWorkerRequest.fromPartial({ worker: { id: 'w-empty', hostname: 'test', capacity: { cpuSlots: 0, gpus: 0 }, backend: 'wasm', device: 'cpu' } }),
    );
    await expect(attempt).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('worker.capacity') });
    const { workers } = await cluster.clients.pipeline.listWorkers({ pageSize: 10, pageToken: '' } as never);
    expect(workers.map((w) => w.id)).not.toContain('w-empty');
  });

  it('ends a search whose space has no valid point with a clear error, not a hang', async () => {
    // Every value of the only categorical key is forbidden.
    const config = tinySearch(cluster.workDir, { samples: 2, inFlight: 1 }).replace(
      '      - { key: trainer.optimizer.params.lr, type: FLOAT_EXP, range: [1e-3, 1e-1] }',
      `      - { key: trainer.optimizer.type, type: CATEGORY, range: [SGD, Adam] }
    forbidden:
      - { trainer.optimizer.type: SGD }
      - { trainer.optimizer.type: Adam }`,
    );
    expect(config).toContain('forbidden:');
    const started = Date.now();
    // Refused when the run is created, with the line: nothing was queued for it.
    const refused = await createRun(cluster, config, 'empty space').then(
      (run) => ({ code: 0, details: `created ${run.name}` }),
      (error: { code: number; details: string }) => error,
    );
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/line \d+: hpo\.search_space: .*forbidden list excludes/);
    expect(Date.now() - started).toBeLessThan(30000);
    masterAlive();
  });

  it('refuses a network argument the network does not take when the run is created, naming its line', async () => {
    const config = tinySearch(cluster.workDir, { samples: 1, inFlight: 1 }).replace('num_class: 2 } }', 'num_class: 2, no_such_argument: 7 } }');
    const line = config.split('\n').findIndex((text) => text.includes('no_such_argument')) + 1;
    await expect(createRun(cluster, config, 'bad network')).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining(`line ${line}: hpo.model.model_desc.backbone.no_such_argument: unknown argument`),
    });
    masterAlive();
  });

  it('fails a trial that throws while training or whose loss diverges, with its reason in GetTrial and Report; the master goes on', async () => {
    // Top-5 accuracy of a two-class model: the config is valid, the first evaluation on the worker throws.
    const config = tinySearch(cluster.workDir, { samples: 1, inFlight: 1, retries: 0 }).replace('trainer: { type: Trainer,', 'trainer: { type: Trainer, metric: { type: accuracy, params: { topk: 5 } },');
    expect(config).toContain('topk: 5');
    const run = await createRun(cluster, config, 'trial that throws');
    const ended = await runEnded(cluster, run.name, 60000);
    expect(ended.state).toBe(RunState.RUN_STATE_FAILED);
    expect(ended.error).toContain('top-5 accuracy needs at least 5 classes');

    const { trials } = await cluster.clients.pipeline.listTrials({ parent: `${run.name}/steps/-`, pageSize: 10, pageToken: '', filter: undefined });
    expect(trials).toHaveLength(1);
    const { trial } = await cluster.clients.pipeline.getTrial({ name: trials[0].name });
    expect(trial).toMatchObject({ state: TrialState.TRIAL_STATE_FAILED, error: expect.stringContaining('top-5 accuracy needs at least 5 classes') });
    const { records } = await cluster.clients.report.listRecords(ListRecordsRequest.fromPartial({ filter: { trialId: trial!.id }, pageSize: 10 }));
    expect(records.length).toBeGreaterThanOrEqual(1);
    expect(records.at(-1)).toMatchObject({ trialState: TrialState.TRIAL_STATE_FAILED, errorMessage: expect.stringContaining('top-5 accuracy needs at least 5 classes'), logTail: expect.any(String) });
    masterAlive();

    // A training that diverges (NaN or infinite loss) fails its trial with the reason too.
    const diverging = tinySearch(cluster.workDir, { samples: 1, inFlight: 1, retries: 0, epochs: 3 }).replace('range: [1e-3, 1e-1]', 'range: [1e+30, 1e+31]');
    expect(diverging).toContain('1e+30');
    const nan = await createRun(cluster, diverging, 'diverging');
    const nanEnded = await runEnded(cluster, nan.name, 60000);
    expect(nanEnded.state).toBe(RunState.RUN_STATE_FAILED);
    const [diverged] = (await cluster.clients.pipeline.listTrials({ parent: `${nan.name}/steps/-`, pageSize: 10, pageToken: '', filter: undefined })).trials;
    expect(diverged).toMatchObject({ state: TrialState.TRIAL_STATE_FAILED, error: expect.stringMatching(/diverged.*(NaN|Infinity)/) });
    masterAlive();

    // The master, the generator and the worker still work: a good run after the bad ones.
    const good = await createRun(cluster, tinySearch(cluster.workDir, { samples: 2, inFlight: 1 }), 'good');
    const done = await runEndedOrDiagnose(cluster, good, 60000);
    await expectSucceeded(cluster, done);
    expect(done.steps[0].trialCounts).toMatchObject({ succeeded: 2, failed: 0 });
  });
});
