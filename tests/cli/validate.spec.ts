import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vela } from './vela';

// `vela validate` needs no services: it loads the config as the master would.
describe('vela validate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vela-validate-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('accepts a valid config and names its steps', async () => {
    const result = await vela(['validate', 'examples/default.yml']);
    expect(result).toMatchObject({ status: 0, stdout: expect.stringContaining('examples/default.yml: valid (hpo → nas → fully_train → benchmark)') });
  });

  it('runs from any folder, not only the repository (swc reads the repository tsconfig)', async () => {
    const result = await vela(['validate', join(__dirname, '..', '..', 'examples', 'default.yml')], {}, dir);
    expect(result).toMatchObject({ status: 0, stdout: expect.stringContaining('valid (hpo → nas → fully_train → benchmark)') });
  });

  it('lists every problem with its line and exits 2, as text and as JSON', async () => {
    const config = join(dir, 'broken.yml');
    await writeFile(
      config,
      [
        'pipeline: [hpo]',
        'hpo:',
        '  pipe_step: { type: SearchPipeStep }',
        '  dataset: { type: Synthetc }',
        '  search_space: { hyperparameters: [{ key: trainer.optimizer.params.lr, type: FLOAT_EXP, range: [1e-3, 1e-1] }] }',
        '  search_algorithm: { type: RandomSerch }',
        '  model: { model_desc: { modules: [backbone], backbone: { type: MLP, num_class: 2 } } }',
        '  trainer: { type: Trainer, epochs: zero }',
      ].join('\n'),
    );
    const [text, json] = await Promise.all([vela(['validate', config]), vela(['validate', config, '--json'])]);
    expect(text.status).toBe(2);
    expect(text.stderr).toContain(`${config}:4: hpo.dataset.type: unknown dataset 'Synthetc'; did you mean 'Synthetic'?`);
    expect(text.stderr).toContain(`${config}:6: hpo.search_algorithm.type: unknown search algorithm 'RandomSerch'`);
    expect(text.stderr).toContain(`${config}:8: hpo.trainer.epochs: expected a number, found 'zero'`);
    expect(text.stderr).toContain(`${config}: 3 problems`);
    expect(json.status).toBe(2);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.valid).toBe(false);
    expect(parsed.problems.map((problem: { path: string; line: number }) => [problem.path, problem.line])).toEqual([
      ['hpo.dataset.type', 4],
      ['hpo.search_algorithm.type', 6],
      ['hpo.trainer.epochs', 8],
    ]);
  });

  it('builds each search and network as the master would: a policy typo and a network argument out of range are problems at their lines', async () => {
    const config = join(dir, 'unbuildable.yml');
    await writeFile(
      config,
      [
        'pipeline: [hpo, fully_train]',
        'hpo:',
        '  pipe_step: { type: SearchPipeStep }',
        '  dataset: { type: Synthetic }',
        '  search_space: { hyperparameters: [{ key: trainer.optimizer.params.lr, type: FLOAT_EXP, range: [1e-3, 1e-1] }] }',
        '  search_algorithm: { type: RandomSearch, policy: { num_samples: 4 } }',
        '  model: { model_desc: { modules: [backbone], backbone: { type: MLP, num_class: 2 } } }',
        'fully_train:',
        '  pipe_step: { type: TrainPipeStep }',
        '  dataset: { type: Synthetic }',
        '  model: { model_desc: { modules: [backbone], backbone: { type: MLP, num_class: 0 } } }',
      ].join('\n'),
    );
    const result = await vela(['validate', config]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${config}:6: hpo.search_algorithm.policy.num_samples: unknown key (did you mean 'num_sample'?)`);
    expect(result.stderr).toContain(`${config}:11: fully_train.model.model_desc.backbone.num_class: must be >= 1, got 0`);
  });

  it('exits 2 when the file is missing', async () => {
    const result = await vela(['validate', join(dir, 'missing.yml')]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(`vela: cannot read ${join(dir, 'missing.yml')}: no such file`);
  });
});
