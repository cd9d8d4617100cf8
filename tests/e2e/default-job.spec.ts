import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocally } from '@vela/local-mode';
import { useTestDatabase } from '@vela/testing';

// A smoke budget of the very job `npm start` runs (examples/default.yml: hpo → nas →
// fully_train → benchmark on Fashion-MNIST), shrunk with --set overrides: every step must
// run through all services and produce its outputs.
jest.setTimeout(300000);

const SMOKE = [
  'hpo.search_algorithm.policy.num_sample=2',
  'nas.search_algorithm.policy.num_sample=2',
  'hpo.dataset.train.max_samples=256',
  'hpo.dataset.val.max_samples=128',
  'hpo.trainer.epochs=1',
  'fully_train.dataset.train.max_samples=256',
  'fully_train.trainer.epochs=1',
  'benchmark.dataset.test.max_samples=256',
];

describe('the default job (smoke budget)', () => {
  const database = useTestDatabase();
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'vela-default-job-'));
  });
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  it('runs hpo → nas → fully_train → benchmark and every step writes its outputs', async () => {
    const lines: string[] = [];
    const result = await runLocally({
      configPath: join(__dirname, '..', '..', 'examples', 'default.yml'),
      overrides: [...SMOKE, `general.task.local_base_path=${workDir}`],
      env: { ...process.env, DATABASE_URL: database.url },
      workers: 1,
      slotsPerWorker: 2,
      out: (line) => lines.push(line),
    });
    expect({ succeeded: result.succeeded, error: result.run.error }).toEqual({ succeeded: true, error: '' });
    expect(result.run.steps.map((step) => step.id)).toEqual(['hpo', 'nas', 'fully_train', 'benchmark']);
    for (const step of result.run.steps) {
      expect(step.outputDir.startsWith(workDir)).toBe(true);
      const files = readdirSync(step.outputDir);
      expect(files).toEqual(expect.arrayContaining(['output.csv', 'reports.json']));
      expect(files.some((file) => /^desc_\d+\.json$/.test(file))).toBe(true);
    }
    expect(existsSync(join(result.run.steps[2].outputDir, 'model_1.ckpt'))).toBe(true);
    expect(lines.join('\n')).toMatch(/benchmark \(BenchmarkPipeStep\): SUCCEEDED, 1 trial\(s\) succeeded/);
  });
});
