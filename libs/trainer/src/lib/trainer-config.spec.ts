import { InvalidArgumentError } from '@vela/errors';
import { Trainer } from '../index';
import { TINY, useCpuBackend } from '../testing';

beforeAll(useCpuBackend);

const build = (config: Record<string, unknown>, extra: Record<string, unknown> = {}) => () =>
  new Trainer({ ...TINY, config: { ...TINY.config, ...config }, log: () => undefined, ...extra }).dispose();

describe('trainer config errors', () => {
  it.each([
    [{ optimizer: { type: 'SDG' } }, "trainer.optimizer.type: unknown optimizer 'SDG'; did you mean 'SGD'?"],
    [{ optimizer: { type: 'SGD', params: { lr: 0 } } }, 'trainer.optimizer.params.lr: must be > 0, got 0'],
    [{ optimizer: { type: 'SGD', params: { lr: -0.1 } } }, 'trainer.optimizer.params.lr: must be > 0, got -0.1'],
    [{ optimizer: { type: 'SGD', params: { lr: '0.1' } } }, "trainer.optimizer.params.lr: must be a finite number, got '0.1'"],
    [{ optimizer: { type: 'SGD', lr: 0.1, params: {} } }, 'trainer.optimizer: give arguments under params or beside type, not both (found lr beside params)'],
    [{ optimizer: { type: 'SGD', params: { lr: 0.1, nesterov: true } } }, 'trainer.optimizer.params.nesterov: needs momentum > 0 and dampening 0'],
    [{ optimizer: { type: 'Adam', params: { lr: 0.1, beta: [0.9, 0.99] } } }, "trainer.optimizer.params.beta: unknown argument; did you mean 'betas'?"],
    [{ optimizer: 42 }, 'trainer.optimizer: must be a type name or {type, params}, got 42'],
    [{ optim: { type: 'SGD' }, optimizer: { type: 'SGD' } }, 'trainer.optim: give one of optimizer, optim, not several'],
    [{ lr_scheduler: { type: 'StepLR' } }, 'trainer.lr_scheduler.step_size: is required'],
    [{ lr_scheduler: { type: 'MultiStepLR', params: { milestones: [5, 2] } } }, 'trainer.lr_scheduler.params.milestones: must increase, got [5, 2]'],
    [{ lr_scheduler: { type: 'CosineLR' } }, "trainer.lr_scheduler.type: unknown lr scheduler 'CosineLR'"],
    [{ loss: 'CrossEntropyLos' }, "trainer.loss.type: unknown loss 'CrossEntropyLos'; did you mean 'CrossEntropyLoss'?"],
    [{ loss: { type: 'CrossEntropyLoss', params: { label_smoothing: 2 } } }, 'trainer.loss.params.label_smoothing: must be <= 1, got 2'],
    [{ metric: [{ type: 'accuracy' }, { type: 'top5' }] }, "trainer.metric[1].type: unknown metric 'top5'"],
    [{ metric: { type: 'accuracy', params: { topk: [1, 0] } } }, 'trainer.metric.params.topk[1]: must be >= 1, got 0'],
    [{ metric: { type: 'accuracy', params: { topk: [1, 5] } } }, 'trainer.metric.params.topk: top-5 accuracy needs at least 5 classes, the model has 4'],
    [{ callbacks: ['EarlyStoping'] }, "trainer.callbacks[0]: unknown callback 'EarlyStoping'; did you mean 'EarlyStopping'?"],
    [{ callbacks: ['ModelCheckpoint'] }, "trainer.callbacks[0]: 'ModelCheckpoint' is a default callback"],
    [{ callbacks: [{ type: 'EarlyStopping', params: { patience: 0 } }] }, 'trainer.callbacks[0].params.patience: must be >= 1, got 0'],
    [{ epochs: 0 }, 'trainer.epochs: must be >= 1, got 0'],
    [{ epochs: 1.5 }, 'trainer.epochs: must be an integer, got 1.5'],
    [{ epoch: 3 }, "trainer.epoch: unknown argument; did you mean 'epochs'?"],
    [{ limits: { flop_range: [2, 1] } }, 'trainer.limits.flop_range: must be [min, max] with min <= max, got [2, 1]'],
    [{ perfs_cmp_mode: 'up' }, "trainer.perfs_cmp_mode: must be one of max, min, got 'up'"],
    [{ perfs_cmp_key: 'acc' }, "trainer.perfs_cmp_key: 'acc' is not a key the metrics report (accuracy)"],
  ])('rejects %j', (config, message) => {
    expect(build(config)).toThrow(InvalidArgumentError);
    expect(build(config)).toThrow(message);
  });

  it('accepts Vega keys that do not apply here, and Vega\'s older optim key', () => {
    expect(build({ cuda: true, amp: false, optimizer: undefined, optim: { type: 'SGD', params: { lr: 0.1 } } })).not.toThrow();
  });

  it('takes what the config lib hands over: model_desc, upstream keys, by_epoch inside params', async () => {
    const config = {
      ...TINY.config,
      epochs: 1,
      model_desc: TINY.desc,
      codec: 'PruneCodec',
      model_desc_file: 'x',
      hps_file: 'y',
      resources: { cpus: 1 },
      lr_scheduler: { type: 'StepLR', params: { step_size: 1, by_epoch: false } },
    };
    const trainer = new Trainer({ config, dataset: TINY.dataset, log: () => undefined });
    expect(trainer.desc.types).toEqual(['MLP']);
    expect(trainer.settings.lrByEpoch).toBe(false);
    expect((await trainer.train()).status).toBe('succeeded');
    trainer.dispose();
    expect(() => new Trainer({ config: TINY.config, dataset: TINY.dataset })).toThrow('desc: is required: pass desc or give the trainer section a model_desc');
    expect(build({ lr_scheduler: { type: 'StepLR', by_epoch: true, params: { step_size: 1, by_epoch: false } } })).toThrow('trainer.lr_scheduler.by_epoch: give by_epoch once, beside type or in params');
  });

  it('rejects a network that does not fit the data', () => {
    const narrow = { modules: ['backbone'], backbone: { type: 'MLP', num_class: 2 } };
    expect(build({}, { desc: narrow })).toThrow('desc: the network outputs 2 classes but the dataset has 4 (set num_class)');
    const headless = { modules: ['backbone'], backbone: { type: 'ResNetGeneral', base_depth: 18, stage: 1, base_channel: 2 } };
    expect(build({}, { desc: headless })).toThrow('desc: the network outputs [N, 6, 6, 2]; training needs [batch, classes] (add a head)');
    expect(build({}, { desc: { modules: ['backbone'], backbone: { type: 'MLP', depth: 3 } } })).toThrow("backbone.depth: unknown argument");
  });

  it('needs a dataset', () => {
    expect(() => new Trainer({ config: TINY.config, desc: TINY.desc })).toThrow('dataset: is required (or pass datasets)');
  });
});
