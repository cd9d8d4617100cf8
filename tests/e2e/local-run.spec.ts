import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { runLocally } from '@vela/local-mode';
import { useTestDatabase } from '@vela/testing';

// The product end to end, as `vela run` runs it: report, generator, master and a real
// trainer-worker as separate processes on a real Postgres, real training on a slice of
// Fashion-MNIST, a pipeline of search → fully train the best → benchmark it.
jest.setTimeout(300000);

/** A slice of Fashion-MNIST (Debian's dataset-fashion-mnist): trials of a second or two. */
const FASHION_SLICE =
  '{ type: FashionMnist, common: { data_path: /usr/share/datasets/fashion-mnist/, batch_size: 32, train_portion: 0.9 }, train: { max_samples: 600 }, val: { max_samples: 200 }, test: { max_samples: 300 } }';

describe('vela run (local mode, every service a process)', () => {
  const database = useTestDatabase();
  let workDir: string;
  /** The first run's trained model and what its benchmark measured, for the second test. */
  let trainedFolder: string;
  let measuredAccuracy: number;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'vela-local-run-'));
  });
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  it('runs search → train → benchmark and writes the outputs of each step', async () => {
    const config = join(workDir, 'job.yml');
    await writeFile(
      config,
      `
general:
  seed: 5
  task: { local_base_path: ${workDir} }
pipeline: [search, fully_train, benchmark]
search:
  pipe_step: { type: SearchPipeStep }
  dataset: &data ${FASHION_SLICE}
  search_space:
    hyperparameters:
      - { key: trainer.optimizer.params.lr, type: FLOAT_EXP, range: [0.01, 0.1] }
      - { key: network.backbone.hidden_units, type: CATEGORY, range: [[16], [32]] }
  search_algorithm: { type: RandomSearch, policy: { num_sample: 2 }, objective_keys: [accuracy, params] }
  model: { model_desc: { modules: [backbone], backbone: { type: MLP, hidden_units: [16], num_class: 10 } } }
  trainer: { type: Trainer, epochs: 2, optimizer: { type: SGD, params: { lr: 0.1, momentum: 0.9 } } }
fully_train:
  pipe_step: { type: TrainPipeStep, models_folder: "{local_base_path}/output/search/" }
  dataset: *data
  trainer: { ref: search.trainer, epochs: 3 }
benchmark:
  pipe_step: { type: BenchmarkPipeStep, models_folder: "{local_base_path}/output/fully_train/" }
  dataset: *data
  trainer: { ref: search.trainer }
`,
    );
    const lines: string[] = [];
    const result = await runLocally({ configPath: config, env: { ...process.env, DATABASE_URL: database.url }, workers: 1, slotsPerWorker: 2, out: (line) => lines.push(line) });
    expect(lines.join('\n')).toContain('SUCCEEDED');
    expect(result.succeeded).toBe(true);
    const [search, fullyTrain, benchmark] = result.run.steps;
    expect(search.trialCounts).toMatchObject({ succeeded: 2, failed: 0 });
    // The search's pareto front: one model, or more that tie on accuracy; each is trained, then benchmarked.
    const models = fullyTrain.trialCounts!.succeeded;
    expect(models).toBeGreaterThanOrEqual(1);
    expect(fullyTrain.trialCounts).toMatchObject({ failed: 0 });
    expect(benchmark.trialCounts!.succeeded).toBeGreaterThanOrEqual(1);
    expect(benchmark.trialCounts).toMatchObject({ failed: 0 });
    for (const step of result.run.steps) {
      expect(existsSync(join(step.outputDir, 'output.csv'))).toBe(true);
      expect(existsSync(join(step.outputDir, 'reports.json'))).toBe(true);
    }
    // An objective that is also one of the record's own measures (params) has one column.
    const header = readFileSync(join(search.outputDir, 'output.csv'), 'utf8').split('\n')[0].split(',');
    expect(header.filter((column) => column === 'params')).toHaveLength(1);
    expect(new Set(header).size).toBe(header.length);
    const trained = JSON.parse(readFileSync(join(fullyTrain.outputDir, 'reports.json'), 'utf8'));
    expect(trained[0]).toMatchObject({ epoch: 3, backend: expect.any(String) });
    expect(trained[0].performance.accuracy).toBeGreaterThan(0.5); // chance is 0.1
    expect(existsSync(join(fullyTrain.outputDir, 'model_1.ckpt'))).toBe(true);
    const measured = JSON.parse(readFileSync(join(benchmark.outputDir, 'reports.json'), 'utf8'));
    expect(measured[0].performance).toMatchObject({ accuracy: expect.any(Number), latency_ms: expect.any(Number), params: expect.any(Number) });
    expect(measured[0].performance).not.toHaveProperty('train_loss');
    expect(measured[0].desc).toEqual(trained[0].desc);
    trainedFolder = fullyTrain.outputDir;
    measuredAccuracy = measured[0].performance.accuracy;
    // The database holds what the outputs say: every trial SUCCEEDED, each with its records (the final one at its last epoch).
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ step: string; state: string; records: number; last_epoch: number }>(
        `SELECT t.step, t.state::text, count(r.*)::int AS records, max(r.epoch)::int AS last_epoch
         FROM trials t LEFT JOIN records r ON r.trial_id = t.id WHERE t.run_id = $1 GROUP BY t.id ORDER BY t.step, t.number`,
        [result.run.id],
      );
      const lastEpochs: Record<string, number[]> = {};
      for (const row of rows) (lastEpochs[row.step] ??= []).push(row.state === 'SUCCEEDED' ? row.last_epoch : -1);
      expect(lastEpochs).toEqual({ benchmark: Array(benchmark.trialCounts!.succeeded).fill(expect.any(Number)), fully_train: Array(models).fill(3), search: [2, 2] });
      expect(rows.every((row) => row.records >= 1)).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('benchmarks in a later run the weights an earlier run wrote to its output folder', async () => {
    const config = join(workDir, 'benchmark-only.yml');
    await writeFile(
      config,
      `
general:
  seed: 5
  task: { local_base_path: ${join(workDir, 'later')} }
pipeline: [benchmark]
benchmark:
  pipe_step: { type: BenchmarkPipeStep, models_folder: "${trainedFolder}" }
  dataset: ${FASHION_SLICE}
  trainer: { type: Trainer, epochs: 2, optimizer: { type: SGD, params: { lr: 0.1, momentum: 0.9 } } }
`,
    );
    const result = await runLocally({ configPath: config, env: { ...process.env, DATABASE_URL: database.url }, workers: 1, slotsPerWorker: 1, out: () => undefined });
    expect({ succeeded: result.succeeded, error: result.run.error }).toEqual({ succeeded: true, error: '' });
    const measured = JSON.parse(readFileSync(join(result.run.steps[0].outputDir, 'reports.json'), 'utf8'));
    // The same weights on the same test data: the same accuracy as the first run measured.
    expect(measured[0].performance.accuracy).toBeCloseTo(measuredAccuracy, 6);
  });
});
