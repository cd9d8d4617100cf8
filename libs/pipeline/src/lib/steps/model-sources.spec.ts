import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepContext } from '../step-context';
import { hyperparametersFrom } from './model-sources';
import { StepFailedError } from './step-executor';

// Files only: a source that names an earlier step reads Report through the context, which
// these cases never reach.
describe('hyperparametersFrom', () => {
  const context = {} as StepContext;
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'vela-hps-'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('reads a JSON file of hyperparameters as they are (Vega writes hps_<id>.json so)', async () => {
    const file = join(folder, 'hps.json');
    await writeFile(file, JSON.stringify({ trainer: { optimizer: { params: { lr: 0.0042 } } } }));
    expect(await hyperparametersFrom(context, { path: file }, 'hpo.trainer.hps_file')).toEqual({ trainer: { optimizer: { params: { lr: 0.0042 } } } });
  });

  it('refuses a file that is missing, not JSON or not an object, naming the key', async () => {
    const broken = join(folder, 'broken.json');
    await writeFile(broken, '{ lr: ');
    const list = join(folder, 'list.json');
    await writeFile(list, '[1, 2]');
    await expect(hyperparametersFrom(context, { path: join(folder, 'absent.json') }, 'nas.trainer.hps_file')).rejects.toThrow(/^nas\.trainer\.hps_file: cannot read/);
    await expect(hyperparametersFrom(context, { path: broken }, 'nas.trainer.hps_file')).rejects.toThrow(/^nas\.trainer\.hps_file: .* is not JSON/);
    await expect(hyperparametersFrom(context, { path: list }, 'nas.trainer.hps_file')).rejects.toThrow(StepFailedError);
  });

  it('refuses a models folder that holds no model, instead of taking no hyperparameters', async () => {
    const empty = await mkdtemp(join(folder, 'empty-'));
    await expect(hyperparametersFrom(context, { path: empty }, 'nas.model.hps_file')).rejects.toThrow(`nas.model.hps_file: '${empty}' holds no model`);
  });
});
