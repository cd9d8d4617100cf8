import { ConfigValidationError } from './problems';
import { loadConfig } from './load-config';
import { createConfigTestRegistry } from '../testing';

// A dataset's own settings (declared when it is registered) pass; typos still do not.
describe('dataset settings', () => {
  const registry = createConfigTestRegistry();
  registry.register('dataset', 'Generated', (() => undefined) as never, { settings: ['num_samples', 'noise'] });
  const config = (dataset: string) => `
pipeline: [train]
train:
  pipe_step: { type: TrainPipeStep }
  dataset: ${dataset}
  model: { model_desc: { modules: [backbone], backbone: { type: ResNet } } }
`;

  it('accepts the settings a dataset declares, beside type and per mode', () => {
    const { config: loaded } = loadConfig(config('{ type: Generated, num_samples: 64, batch_size: 8, train: { noise: 0.2 } }'), { registry });
    expect(loaded.pipeline[0].dataset).toMatchObject({ type: 'Generated', common: { num_samples: 64, batch_size: 8 }, train: { noise: 0.2 } });
  });

  it('refuses an unknown key with the closest valid one, naming the dataset’s own settings too', () => {
    const attempt = () => loadConfig(config('{ type: Generated, num_sample: 64 }'), { registry });
    expect(attempt).toThrow(ConfigValidationError);
    expect(attempt).toThrow(/train\.dataset\.num_sample: unknown key 'num_sample'; did you mean 'num_samples'\?/);
    expect(() => loadConfig(config('{ type: Generated, train: { noize: 0.1 } }'), { registry })).toThrow(/train\.dataset\.train\.noize: unknown key 'noize'; did you mean 'noise'\?/);
  });
});
