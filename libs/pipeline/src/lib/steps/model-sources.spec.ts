import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepContext } from '../step-context';
import type { PipelineStepConfig } from '@vela/config';
import { hyperparametersFrom, namedModels, stepModels } from './model-sources';
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

describe('stepModels and namedModels', () => {
  let folder: string;
  const contextOf = (step: Record<string, unknown>) => ({ stepConfig: { name: 'train', pipe_step: { type: 'TrainPipeStep' }, ...step } as unknown as PipelineStepConfig }) as StepContext;
  const desc = (channels: number) => ({ modules: ['backbone'], backbone: { type: 'SimpleCnn', num_class: 10, channels } });

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'vela-models-'));
    await writeFile(join(folder, 'desc_1.json'), JSON.stringify(desc(8)));
    await writeFile(join(folder, 'hps_1.json'), JSON.stringify({ trainer: { epochs: 2, optimizer: { params: { lr: 0.1 } } } }));
    await writeFile(join(folder, 'desc_2.json'), JSON.stringify(desc(16)));
    await writeFile(join(folder, 'best.json'), JSON.stringify({ trainer: { epochs: 9, optimizer: { params: { lr: 0.003, momentum: 0.8 } } } }));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it("takes every model of a folder, whichever key names it, each with its own hyperparameters over the step's hps_file (less its epochs), as Vega's trainer", async () => {
    for (const step of [{ pipe_step: { type: 'TrainPipeStep', models_folder: { path: folder } } }, { model: { models_folder: { path: folder } } }]) {
      const models = await stepModels(contextOf({ ...step, trainer: { hps_file: { path: join(folder, 'best.json') } } }));
      expect(models.map((model) => [model.desc, model.hyperparameters])).toEqual([
        [desc(8), { trainer: { epochs: 2, optimizer: { params: { lr: 0.1, momentum: 0.8 } } } }],
        [desc(16), { trainer: { optimizer: { params: { lr: 0.003, momentum: 0.8 } } } }],
      ]);
    }
  });

  it("takes the models from the first key in Vega's order: pipe_step.models_folder, then model_desc_file, then model_desc", async () => {
    const both = { pipe_step: { type: 'TrainPipeStep', models_folder: { path: folder } }, model: { model_desc: desc(4), model_desc_file: { path: join(folder, 'desc_2.json') } } };
    expect((await stepModels(contextOf(both))).map((model) => model.desc)).toEqual([desc(8), desc(16)]);
    const { pipe_step: _folder, ...files } = both;
    expect((await stepModels(contextOf(files))).map((model) => model.desc)).toEqual([desc(16)]);
  });

  it("reads the trainer section's model_desc and model_desc_file as Vega writes them", async () => {
    expect((await stepModels(contextOf({ trainer: { model_desc: desc(4) } }))).map((model) => model.desc)).toEqual([desc(4)]);
    expect((await stepModels(contextOf({ trainer: { model_desc_file: { path: join(folder, 'desc_2.json') } } }))).map((model) => model.desc)).toEqual([desc(16)]);
  });

  it('names the key and the file of a folder that cannot be read or holds a desc that is not JSON', async () => {
    const missing = join(folder, 'absent');
    await expect(stepModels(contextOf({ pipe_step: { type: 'TrainPipeStep', models_folder: { path: missing } } }))).rejects.toThrow(
      `train.pipe_step.models_folder: '${missing}' cannot be read as a models folder: no such folder`,
    );
    const text = join(folder, 'hps.txt');
    await writeFile(text, 'lr: 0.1');
    await expect(stepModels(contextOf({ model: { model_desc: desc(4) }, trainer: { hps_file: { path: text } } }))).rejects.toThrow(
      `train.trainer.hps_file: '${text}' cannot be read as a models folder: not a folder`,
    );
    const broken = await mkdtemp(join(folder, 'broken-'));
    await writeFile(join(broken, 'desc_1.json'), '{"modules": [backbone');
    await expect(stepModels(contextOf({ model: { models_folder: { path: broken } } }))).rejects.toThrow(`train.model.models_folder: '${join(broken, 'desc_1.json')}' is not JSON`);
  });

  it('takes at most count models, none when the step names none, and fails naming the key of a source that holds none', async () => {
    expect(await namedModels(contextOf({ model: { models_folder: { path: folder } } }), 1)).toHaveLength(1);
    expect(await stepModels(contextOf({}))).toEqual([]);
    const empty = await mkdtemp(join(folder, 'empty-'));
    await expect(stepModels(contextOf({ model: { models_folder: { path: empty } } }))).rejects.toThrow(`train.model.models_folder: '${empty}' holds no model`);
  });
});
