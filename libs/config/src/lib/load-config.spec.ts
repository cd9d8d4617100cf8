import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationErrors } from '@vela/errors';
import { createConfigTestRegistry, VEGA_CONFIG_NAMES } from '../testing';
import { type LoadConfigOptions, loadConfig } from './load-config';
import { ConfigValidationError, type ConfigProblem } from './problems';

const registry = createConfigTestRegistry({ ...VEGA_CONFIG_NAMES, loss: ['CrossEntropyLoss', 'CustomCrossEntropyLoss'] });

function fixture(name: string): string {
  return readFileSync(join(__dirname, 'fixtures', name), 'utf8');
}

function load(text: string, options: LoadConfigOptions = {}) {
  return loadConfig(text, { registry, ...options });
}

/** The problems a config is rejected with. */
function problemsOf(text: string, options: LoadConfigOptions = {}): readonly ConfigProblem[] {
  try {
    load(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationErrors);
    return (error as ConfigValidationError).details;
  }
  throw new Error('expected the config to be rejected');
}

/** A small valid job to break one line at a time. */
const VALID = `general:
  quota: "flops < 1.6 and params < 1e10"
pipeline: [hpo, fully_train]
hpo:
  pipe_step:
    type: SearchPipeStep
  dataset:
    type: FashionMnist
    common:
      data_path: /usr/share/datasets/fashion-mnist/
      batch_size: 64
  search_space:
    hyperparameters:
      - key: trainer.optimizer.params.lr
        type: FLOAT_EXP
        range: [1e-4, 1e-1]
  search_algorithm:
    type: RandomSearch
    policy:
      num_sample: 6
  trainer:
    type: Trainer
    epochs: 2
    optimizer:
      type: Adam
      params:
        lr: 1e-3
fully_train:
  pipe_step:
    type: TrainPipeStep
  trainer:
    ref: hpo.trainer
    epochs: 5
`;

describe('loadConfig on Vega configs', () => {
  it("loads the developer guide's snippets as they are", () => {
    const { config, warnings } = load(fixture('vega-developer-guide.yml'), { filePath: 'guide.yml' });
    expect(warnings).toEqual([]);
    expect(config.pipeline.map((step) => step.name)).toEqual(['nas', 'fullytrain']);
    const [nas, fullyTrain] = config.pipeline;
    expect(nas.search_algorithm).toMatchObject({ type: 'PruneEA', codec: 'PruneCodec', policy: { length: 464, num_generation: 31 } });
    expect(nas.search_space).toMatchObject({ modules: ['backbone'], backbone: { name: 'PruneResNet', num_classes: 10 } });
    // `optim:` is read as `optimizer:`, and `!!float 1e-4` as a number.
    expect(nas.trainer?.optimizer).toEqual({ type: 'SGD', params: { lr: 0.1, momentum: 0.9, weight_decay: 1e-4 } });
    expect(nas.trainer?.callbacks).toEqual(['PruneTrainerCallback']);
    expect(nas.trainer?.limits).toEqual({ flop_range: [0, 1e10] });
    // Arguments beside `type` (section 5.3) land in params like those under `params:`.
    expect(fullyTrain.trainer?.lr_scheduler).toEqual({ type: 'StepLR', params: { step_size: 20, gamma: 0.5 } });
    expect(fullyTrain.trainer?.loss).toEqual({ type: 'CustomCrossEntropyLoss', params: { desc: null } });
    expect(fullyTrain.trainer?.metric).toEqual([{ type: 'accuracy', params: {} }]);
    expect(config.general).toMatchObject({ seed: 0, devices_per_trainer: 1, local_base_path: './tasks', output_path: './tasks/output' });
  });

  it('loads an ASHA HPO job, warning once per runtime-only key and resolving refs and output folders', () => {
    const { config, warnings } = load(fixture('vega-hpo-asha.yml'), { filePath: 'asha.yml' });
    expect(warnings.map((warning) => warning.path)).toEqual([
      'general.backend',
      'general.device_category',
      'general.parallel_search',
      'general.logger',
      'hpo.trainer.cuda',
      'hpo.dataset.common.num_workers',
    ]);
    expect(warnings[0].message).toMatch(/^asha\.yml:5: general\.backend: ignored, .*TensorFlow\.js/);
    expect(warnings[0].line).toBe(5);
    const [hpo, fullyTrain] = config.pipeline;
    expect(hpo.search_algorithm?.objective_keys).toEqual(['accuracy']);
    expect(hpo.search_space?.condition).toEqual([
      { key: 'condition_for_sgd_momentum', child: 'trainer.optimizer.params.momentum', parent: 'trainer.optimizer.type', type: 'EQUAL', range: ['SGD'] },
    ]);
    expect(fullyTrain.trainer).toMatchObject({ epochs: 200, optimizer: { type: 'SGD' }, loss: { type: 'CrossEntropyLoss' } });
    expect(fullyTrain.trainer).not.toHaveProperty('cuda');
    expect(fullyTrain.trainer?.hps_file).toEqual({ path: '/cache/tasks/output/hpo/', step: 'hpo' });
    expect(fullyTrain.model?.model_desc).toEqual(hpo.model?.model_desc);
    expect(config.general.quota?.text).toBe('flops < 10 and params < 1e10');
    expect(config.general.local_base_path).toBe('/cache/tasks');
  });

  it('returns a frozen, JSON-serialisable config', () => {
    const { config } = load(VALID);
    expect(Object.isFrozen(config.pipeline[0].trainer)).toBe(true);
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });
});

describe('loadConfig normalisation', () => {
  it('reads general: seed, devices_per_trainer (also under worker:), limits and the task folder', () => {
    const text = VALID.replace(
      'general:\n',
      'general:\n  seed: 7\n  worker:\n    devices_per_trainer: 2\n  local_base_path: /runs\n  limits:\n    max_trials: 20\n    trials_in_flight: 2\n    max_duration: 30m\n    target: {key: accuracy, value: 0.9}\n',
    );
    const { general } = load(text).config;
    expect(general).toMatchObject({ seed: 7, devices_per_trainer: 2, local_base_path: '/runs', output_path: '/runs/output' });
    expect(general.limits).toEqual({ max_trials: 20, trials_in_flight: 2, max_duration_s: 1800, target: { key: 'accuracy', value: 0.9, goal: 'MAXIMIZE' } });
  });

  it('fills {local_base_path} from the option when the config leaves it out, and names earlier steps whose output is read', () => {
    const text = `${VALID}  model:\n    models_folder: "{local_base_path}/output/hpo/"\n`;
    const { config } = load(text, { localBasePath: '/srv/vela' });
    expect(config.pipeline[1].model?.models_folder).toEqual({ path: '/srv/vela/output/hpo/', step: 'hpo' });
    const elsewhere = load(`${VALID}  model:\n    models_folder: /data/models\n`);
    expect(elsewhere.config.pipeline[1].model?.models_folder).toEqual({ path: '/data/models' });
  });

  it('merges a ref with the local keys, mappings key by key, and follows chained refs', () => {
    const text = `${VALID.replace('pipeline: [hpo, fully_train]', 'pipeline: [hpo, fully_train, again]')}  dataset:
    ref: hpo.dataset
    common:
      batch_size: 256
again:
  pipe_step:
    type: TrainPipeStep
  trainer:
    ref: fully_train.trainer
`;
    const [hpo, fullyTrain, again] = load(text).config.pipeline;
    expect(fullyTrain.trainer).toEqual({ ...hpo.trainer, epochs: 5 });
    expect(fullyTrain.dataset?.common).toEqual({ data_path: '/usr/share/datasets/fashion-mnist/', batch_size: 256 });
    expect(again.trainer?.epochs).toBe(5);
  });

  it("reads dataset settings beside type as common ones, below common's own", () => {
    const text = VALID.replace('    type: FashionMnist\n', '    type: FashionMnist\n    batch_size: 32\n    shuffle: false\n    num_workers: 4\n');
    const { config, warnings } = load(text);
    expect(config.pipeline[0].dataset).toEqual({ type: 'FashionMnist', common: { data_path: '/usr/share/datasets/fashion-mnist/', batch_size: 64, shuffle: false } });
    expect(warnings.map((warning) => warning.path)).toEqual(['hpo.dataset.num_workers']);
  });

  it('supports anchors and merge keys', () => {
    const text = VALID.replace('  trainer:\n    type: Trainer\n    epochs: 2\n', '  trainer: &base_trainer\n    type: Trainer\n    epochs: 2\n').replace(
      '    ref: hpo.trainer\n    epochs: 5\n',
      '    <<: *base_trainer\n    epochs: 5\n',
    );
    const [hpo, fullyTrain] = load(text).config.pipeline;
    expect(fullyTrain.trainer).toEqual({ ...hpo.trainer, epochs: 5 });
  });

  it('applies --set overrides, with YAML values and list indices', () => {
    const { config } = load(VALID, {
      overrides: ['hpo.trainer.epochs=1', 'hpo.search_space.hyperparameters.0.range=[1e-5, 1e-2]', 'general.limits.max_trials=3', 'hpo.trainer.optimizer.params.lr=!!float 1'],
    });
    expect(config.pipeline[0].trainer?.epochs).toBe(1);
    expect(config.pipeline[0].search_space?.hyperparameters?.[0].range).toEqual([1e-5, 1e-2]);
    expect(config.general.limits.max_trials).toBe(3);
    expect(config.pipeline[0].trainer?.optimizer?.params).toEqual({ lr: 1 });
    // Overrides apply before refs are resolved, so a referencing step sees them.
    expect(config.pipeline[1].trainer?.optimizer?.params).toEqual({ lr: 1 });
  });

  it('reads hyperparameter and condition types in any case, and model descs of either form', () => {
    const text = VALID.replace('        type: FLOAT_EXP', '        type: float_exp').replace('  search_algorithm:', '  model:\n    model_desc: {type: SimpleCnn, channels: 16}\n  search_algorithm:');
    const [hpo] = load(text).config.pipeline;
    expect(hpo.search_space?.hyperparameters?.[0].type).toBe('FLOAT_EXP');
    expect(hpo.model?.model_desc).toEqual({ type: 'SimpleCnn', channels: 16 });
  });
});

describe('loadConfig errors name the path, the line, what was expected and what was found', () => {
  it('reports malformed YAML with its line', () => {
    const [problem] = problemsOf('pipeline: [hpo\nhpo:\n  pipe_step: {type: SearchPipeStep\n', { filePath: 'bad.yml' });
    expect(problem.message).toMatch(/^bad\.yml:\d+: malformed YAML: /);
    expect(problem.line).toBeGreaterThan(0);
  });

  it('reports a document that is not a mapping', () => {
    expect(problemsOf('- just\n- a list\n')[0].message).toBe("(root): expected a mapping with 'pipeline:' and a section per step, found a list of 2");
  });

  it.each([
    ['an unknown key, with the closest valid one', ['    epochs: 2', '    epoch: 2'], 'line 23: hpo.trainer.epoch: unknown key \'epoch\'; did you mean \'epochs\'?'],
    ['an unknown type, with the registered names and the closest', ['    type: RandomSearch', '    type: RandomSerch'], "line 18: hpo.search_algorithm.type: unknown search algorithm 'RandomSerch'; did you mean 'RandomSearch'? (registered: RandomSearch, GridSearch"],
    ['an unknown optimizer', ['      type: Adam', '      type: Adamm'], "line 25: hpo.trainer.optimizer.type: unknown optimizer 'Adamm'; did you mean 'Adam'?"],
    ['an unknown dataset', ['    type: FashionMnist', '    type: FashionMNIST2'], "line 8: hpo.dataset.type: unknown dataset 'FashionMNIST2'; did you mean 'FashionMnist'?"],
    ['an unknown pipe step', ['    type: TrainPipeStep', '    type: TrainPipStep'], "line 30: fully_train.pipe_step.type: unknown pipe step 'TrainPipStep'; did you mean 'TrainPipeStep'?"],
    ['an out-of-range value', ['    epochs: 2', '    epochs: 0'], 'line 23: hpo.trainer.epochs: expected a number >= 1, found 0'],
    ['a value of the wrong type', ['      batch_size: 64', '      batch_size: lots'], "line 11: hpo.dataset.common.batch_size: expected a number, found 'lots'"],
    ['a missing required value', ['    type: RandomSearch\n', ''], 'line 17: hpo.search_algorithm.type: required: expected a string, found nothing'],
    ['a bad reference', ['ref: hpo.trainer', 'ref: hpo.trainr'], "line 32: fully_train.trainer.ref: unknown reference 'hpo.trainr': 'hpo' has no 'trainr'; did you mean 'hpo.trainer'?"],
    ['a reference to a missing step', ['ref: hpo.trainer', 'ref: hp.trainer'], "line 32: fully_train.trainer.ref: unknown reference 'hp.trainer': there is no step or section 'hp'; did you mean 'hpo'?"],
    ['a bad quota', ['flops < 1.6 and', 'flop < 1.6 and'], "line 2: general.quota: in 'flop < 1.6 and params < 1e10' at column 1: unknown metric 'flop'; did you mean 'flops'?"],
    ['a step missing from the file', ['fully_train:', 'fully_trian:'], "line 3: pipeline[1]: step 'fully_train' has no section: expected a top-level 'fully_train:' mapping, found nothing; is 'fully_trian:' meant to be it?"],
    ['a hyperparameter range with low >= high', ['range: [1e-4, 1e-1]', 'range: [1e-1, 1e-4]'], 'line 16: hpo.search_space.hyperparameters[0].range: expected low < high, found [0.1, 0.0001]'],
    ['an unknown hyperparameter type', ['type: FLOAT_EXP', 'type: FLOAT_LOG'], "line 15: hpo.search_space.hyperparameters[0].type: expected one of \"INT\", \"INT_EXP\", \"FLOAT\", \"FLOAT_EXP\", \"CATEGORY\", \"BOOL\", \"BINARY_CODE\", \"ADJACENCY_LIST\", \"HALF\", found 'FLOAT_LOG'; did you mean 'FLOAT_EXP'?"],
  ])('%s', (_, [from, to], expected) => {
    expect(VALID).toContain(from);
    const problems = problemsOf(VALID.replace(from, to));
    expect(problems.map((problem) => problem.message).join('\n')).toContain(expected);
  });

  it('reports every problem of a file at once, in line order', () => {
    const broken = VALID.replace('    epochs: 2', '    epochs: -1').replace('    type: RandomSearch', '    type: Random').replace('      batch_size: 64', '      batchsize: 64').replace('ref: hpo.trainer', 'ref: hpo.trainer.nothing');
    const problems = problemsOf(broken, { filePath: 'job.yml' });
    expect(problems.map((problem) => [problem.path, problem.line])).toEqual([
      ['hpo.dataset.common.batchsize', 11],
      ['hpo.search_algorithm.type', 18],
      ['hpo.trainer.epochs', 23],
      ['fully_train.trainer.ref', 32],
    ]);
    expect(problems.every((problem) => problem.message.startsWith(`job.yml:${problem.line}: ${problem.path}: `))).toBe(true);
  });

  it('reports a bad value once, at the line it was written, however many refs copy it', () => {
    const text = `${VALID.replace('pipeline: [hpo, fully_train]', 'pipeline: [hpo, fully_train, again]').replace('      type: Adam', '      type: Adamm')}again:
  pipe_step: {type: TrainPipeStep}
  trainer:
    ref: fully_train.trainer
`;
    expect(problemsOf(text).map((problem) => problem.message)).toEqual([
      "line 25: hpo.trainer.optimizer.type: unknown optimizer 'Adamm'; did you mean 'Adam'? (registered: SGD, Adam)",
    ]);
  });

  it('reports a reference cycle', () => {
    const text = `${VALID}  model:\n    ref: again.model\nagain:\n  pipe_step: {type: TrainPipeStep}\n  model:\n    ref: fully_train.model\n`.replace('pipeline: [hpo, fully_train]', 'pipeline: [hpo, fully_train, again]');
    const messages = problemsOf(text).map((problem) => problem.message);
    expect(messages).toContainEqual(expect.stringMatching(/\.model\.ref: references form a cycle: (fully_train\.model -> again\.model -> fully_train\.model|again\.model -> fully_train\.model -> again\.model)/));
  });

  it('reports bad overrides at the --set that caused them', () => {
    const messages = problemsOf(VALID, { overrides: ['+hpo.trainer.epoch=3', 'hpo.search_algorithm.policy.num_smaple=3', 'hpo.trainer.optimizer.parms.lr=1', 'hpo.trainer.epochs.value=3', 'pipeline.5=x', 'novalue', 'hpo.trainer.epochs=[1'] }).map((problem) => problem.message);
    expect(messages).toEqual([
      "--set hpo.search_algorithm.policy.num_smaple=3: hpo.search_algorithm.policy.num_smaple is not in the config; did you mean 'hpo.search_algorithm.policy.num_sample'? (write +hpo.search_algorithm.policy.num_smaple=... to add it as a new key)",
      "--set hpo.trainer.optimizer.parms.lr=1: hpo.trainer.optimizer.parms is not in the config; did you mean 'hpo.trainer.optimizer.params'? (write +hpo.trainer.optimizer.parms.lr=... to add it as a new key)",
      "--set hpo.trainer.epochs.value=3: hpo.trainer.epochs is 2, not a mapping or a list, so it has no 'value'",
      "--set pipeline.5=x: pipeline is a list of 2; expected an index from 0 to 2, found '5'",
      "--set novalue: expected key.path=value, found 'novalue'",
      expect.stringMatching(/^--set hpo\.trainer\.epochs=\[1: the value is not valid YAML: /),
      expect.stringMatching(/^--set \+hpo\.trainer\.epoch=3: hpo\.trainer\.epoch: unknown key 'epoch'; did you mean 'epochs'\?/),
    ]);
  });

  it('checks the search space: declared keys in conditions and forbidden, module sections and network types', () => {
    const text = VALID.replace(
      '        range: [1e-4, 1e-1]\n',
      `        range: [1e-4, 1e-1]
      - key: trainer.optimizer.params.lr
        type: INT
        range: [1.5, 3]
    condition:
      - {child: trainer.optimizer.params.lr, parent: trainer.optimizer.typ, type: EQUAL, range: [SGD]}
    forbidden:
      - {trainer.optimizer.params.lrr: 0.1}
    modules: [backbone, head]
    backbone: {type: SimpleCn}
    hyperparameter: []
`,
    );
    const messages = problemsOf(text).map((problem) => problem.message);
    expect(messages).toEqual([
      "line 17: hpo.search_space.hyperparameters[1].key: duplicate hyperparameter 'trainer.optimizer.params.lr' (already declared above)",
      'line 19: hpo.search_space.hyperparameters[1].range: a INT range is [low, high] with integers, found [1.5,3]',
      "line 21: hpo.search_space.condition[0].parent: the parent 'trainer.optimizer.typ' is not a declared hyperparameter; did you mean 'trainer.optimizer.params.lr'? (declared: trainer.optimizer.params.lr, trainer.optimizer.params.lr)",
      expect.stringContaining("line 23: hpo.search_space.forbidden[0].trainer.optimizer.params.lrr: the forbidden key 'trainer.optimizer.params.lrr' is not a declared hyperparameter; did you mean 'trainer.optimizer.params.lr'?"),
      "line 24: hpo.search_space.modules[1]: required: modules lists 'head', so a 'head:' mapping with its network type is expected, found nothing",
      expect.stringContaining("line 25: hpo.search_space.backbone.type: unknown network 'SimpleCn'; did you mean 'SimpleCnn'?"),
      expect.stringContaining("line 26: hpo.search_space.hyperparameter: unknown key 'hyperparameter'; did you mean 'hyperparameters'?"),
    ]);
  });

  it('rejects searched keys that land nowhere, and conditions that form a cycle', () => {
    const text = VALID.replace(
      '        range: [1e-4, 1e-1]\n',
      `        range: [1e-4, 1e-1]
      - {key: trainer.optimzer.params.momentum, type: FLOAT, range: [0, 1]}
      - {key: dataset.batchsize, type: CATEGORY, range: [32, 64]}
      - {key: network.bakcbone.blocks, type: INT, range: [1, 3]}
    condition:
      - {child: trainer.optimizer.params.lr, parent: dataset.batchsize, type: IN, range: [32]}
      - {child: dataset.batchsize, parent: trainer.optimizer.params.lr, type: IN, range: [0.01]}
`,
    ).replace('  search_algorithm:', '  model:\n    model_desc: {modules: [backbone], backbone: {type: SimpleCnn}}\n  search_algorithm:');
    const messages = problemsOf(text).map((problem) => problem.message);
    expect(messages).toEqual([
      "line 17: hpo.search_space.hyperparameters[1].key: 'trainer.optimzer.params.momentum' lands nowhere: the trainer has no 'optimzer'; did you mean 'trainer.optimizer'? (expected one of type, epochs, optimizer, optim, lr_scheduler, loss, metric, callbacks, report_freq, valid_interval, with_valid, seed, grad_clip, calc_params_each_epoch, codec, model_desc, model_desc_file, hps_file, init_model_file, pretrained_model_file, load_checkpoint, save_checkpoint, limits, resources)",
      expect.stringContaining("line 18: hpo.search_space.hyperparameters[2].key: 'dataset.batchsize' lands nowhere: the dataset has no 'batchsize'; did you mean 'dataset.batch_size'?"),
      "line 19: hpo.search_space.hyperparameters[3].key: 'network.bakcbone.blocks' lands nowhere: the model desc's modules has no 'bakcbone'; did you mean 'network.backbone'? (expected one of backbone)",
      'line 20: hpo.search_space.condition: conditions form a cycle: dataset.batchsize -> trainer.optimizer.params.lr -> dataset.batchsize (each parent must be sampled before its children)',
    ]);
  });

  it('names a single mapping read as a list of one the way the file writes it', () => {
    const [problem] = problemsOf(VALID.replace('    epochs: 2\n', '    epochs: 2\n    metric:\n      type: acuracy\n'));
    expect(problem.message).toMatch(/^line 25: hpo\.trainer\.metric\.type: unknown metric 'acuracy'; did you mean 'accuracy'\?/);
  });

  it('rejects both spellings of the optimizer together, and a search algorithm without a search space', () => {
    const text = VALID.replace('    optimizer:\n', '    optim: {type: SGD}\n    optimizer:\n').replace(/  search_space:\n(    .*\n|      .*\n)*/, '');
    const messages = problemsOf(text).map((problem) => problem.message);
    expect(messages).toContainEqual(expect.stringContaining("hpo.trainer.optim: write the optimizer once, as 'optimizer:' or as 'optim:', found both"));
    expect(messages).toContainEqual(expect.stringContaining('hpo.search_space: required: a step with a search_algorithm needs the search_space it searches, found nothing'));
  });

  it('rejects reading the output of a step that has not run yet, and a placeholder typo', () => {
    const text = VALID.replace('  dataset:\n    type: FashionMnist\n', '  model:\n    models_folder: "{local_base_path}/output/fully_train/"\n  dataset:\n    type: FashionMnist\n').replace(
      '/usr/share/datasets/fashion-mnist/',
      '"{local_basepath}/data"',
    );
    const messages = problemsOf(text).map((problem) => problem.message);
    expect(messages).toEqual([
      "line 8: hpo.model.models_folder: './tasks/output/fully_train/' is the output of step 'fully_train', which does not run before 'hpo' (pipeline: hpo, fully_train)",
      "line 12: hpo.dataset.common.data_path: unknown placeholder '{local_basepath}'; did you mean '{local_base_path}'?",
    ]);
  });

  it("reads an earlier run's output folder of a step this pipeline lacks as a folder, and refuses one that does not exist", () => {
    const base = mkdtempSync(join(tmpdir(), 'vela-earlier-run-'));
    try {
      mkdirSync(join(base, 'output', 'nas'), { recursive: true });
      const text = (step: string) =>
        VALID.replace('pipeline: [hpo, fully_train]', 'pipeline: [fully_train]').replace(/^hpo:[\s\S]*?^fully_train:/m, 'fully_train:').replace('    ref: hpo.trainer\n', '').replace(
          '    type: TrainPipeStep\n',
          `    type: TrainPipeStep\n    models_folder: "{local_base_path}/output/${step}/"\n`,
        );
      const { config } = load(text('nas'), { localBasePath: base });
      expect(config.pipeline[0].pipe_step.models_folder).toEqual({ path: `${base}/output/nas/` });
      expect(problemsOf(text('nsa'), { localBasePath: base }).map((problem) => problem.detail)).toEqual([
        `'${base}/output/nsa/' is in the output folder of 'nsa', which is not a pipeline step (steps: fully_train), nor a folder an earlier run left`,
      ]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('checks type names against the registry it is given', () => {
    const empty = createConfigTestRegistry({});
    const messages = problemsOf(VALID, { registry: empty }).map((problem) => problem.detail);
    expect(messages).toContain("unknown search algorithm 'RandomSearch' (none is registered)");
  });
});
