import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigValidationError, loadConfig } from '@vela/config';
import { registry } from '@vela/registry';
import { checkConfigBuilds } from './config-check';
import './registrations';

const EXAMPLES = join(__dirname, '..', '..', '..', '..', 'examples');

/** A small search step to break one line at a time. */
const VALID = `pipeline: [nas, fully_train]
nas:
  pipe_step: { type: SearchPipeStep }
  dataset: { type: Synthetic }
  search_space:
    hyperparameters:
      - { key: network.backbone.channels, type: CATEGORY, range: [8, 16] }
      - { key: trainer.optimizer.type, type: CATEGORY, range: [SGD, Adam] }
      - { key: trainer.optimizer.params.momentum, type: FLOAT, range: [0.0, 0.9] }
    condition:
      - { key: momentum_for_sgd, child: trainer.optimizer.params.momentum, parent: trainer.optimizer.type, type: EQUAL, range: [SGD] }
  search_algorithm: { type: RandomSearch, policy: { num_sample: 4 } }
  model:
    model_desc: { modules: [backbone], backbone: { type: SimpleCnn, num_class: 2, blocks: 1 } }
fully_train:
  pipe_step: { type: TrainPipeStep }
  model:
    model_desc: { modules: [backbone], backbone: { type: SimpleCnn, num_class: 2, blocks: 1, channels: 8 } }
`;

function problemsOf(text: string): string[] {
  try {
    loadConfig(text, { check: checkConfigBuilds });
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    return error.details.map((problem) => problem.message);
  }
  return [];
}

describe('checkConfigBuilds: what a step would find only when it starts is refused with the config', () => {
  it('accepts the valid config and every example', () => {
    expect(problemsOf(VALID)).toEqual([]);
    for (const file of readdirSync(EXAMPLES).filter((name) => name.endsWith('.yml'))) {
      expect([file, problemsOf(readFileSync(join(EXAMPLES, file), 'utf8'))]).toEqual([file, []]);
    }
  });

  it("names an algorithm's unknown or out-of-range policy key at its line", () => {
    expect(problemsOf(VALID.replace('num_sample: 4', 'num_samples: 4'))).toEqual([
      "line 12: nas.search_algorithm.policy.num_samples: unknown key (did you mean 'num_sample'?); known: num_sample, epochs",
    ]);
    expect(problemsOf(VALID.replace('num_sample: 4', 'num_sample: -1'))).toEqual(['line 12: nas.search_algorithm.policy.num_sample: must be an integer >= 1, got -1']);
  });

  it("names a condition outside its parent's range", () => {
    expect(problemsOf(VALID.replace('type: EQUAL, range: [SGD]', 'type: EQUAL, range: [RMSprop]'))).toEqual([
      `line 11: nas.search_space.condition[0].range[0]: a value of parent 'trainer.optimizer.type' must be one of ["SGD","Adam"] (CATEGORY), got 'RMSprop' (key 'momentum_for_sgd')`,
    ]);
  });

  it('names a space whose forbidden list leaves no point, for a sampling and an enumerating algorithm', () => {
    const forbidAll = VALID.replace('    condition:\n', '    forbidden:\n      - { trainer.optimizer.type: SGD }\n      - { trainer.optimizer.type: Adam }\n    condition:\n');
    expect(problemsOf(forbidAll)).toEqual([expect.stringMatching(/^line 5: nas\.search_space: 1000 random points in a row were forbidden/)]);
    expect(problemsOf(forbidAll.replace('{ type: RandomSearch, policy: { num_sample: 4 } }', '{ type: GridSearch }'))).toEqual([
      'line 5: nas.search_space: the search suggests no point at all: its conditions and forbidden list leave nothing to try',
    ]);
  });

  it("names a network argument out of range in a step's desc, and in the search's first point", () => {
    expect(problemsOf(VALID.replace('blocks: 1, channels: 8', 'blocks: 1, channels: -8'))).toEqual(['line 18: fully_train.model.model_desc.backbone.channels: must be >= 1, got -8']);
    expect(problemsOf(VALID.replace('range: [8, 16]', 'range: [0, 16]').replace('RandomSearch', 'GridSearch').replace(', policy: { num_sample: 4 }', ''))).toEqual([
      "line 5: nas.search_space: the network of the search's first point does not build: backbone.channels: must be >= 1, got 0",
    ]);
  });

  it("names a bad argument or choice of a space's module section at its line", () => {
    const moduleSpace = `pipeline: [nas]
nas:
  pipe_step: { type: SearchPipeStep }
  dataset: { type: Synthetic }
  search_space:
    modules: [backbone]
    backbone: { type: SimpleCnn, num_class: 2, blocks: 1, channels: [0, 8] }
  search_algorithm: { type: GridSearch }
`;
    expect(problemsOf(moduleSpace)).toEqual(['line 7: nas.search_space.backbone.channels: must be >= 1, got 0']);
    expect(problemsOf(moduleSpace.replace('channels: [0, 8]', 'channels: [4, 8], width: 3'))).toEqual([expect.stringMatching(/^line 7: nas\.search_space\.backbone\.width: unknown argument/)]);
  });

  it("places a bad argument of the step's own desc at its line, also for a module the search changes", () => {
    expect(problemsOf(VALID.replace('num_class: 2, blocks: 1 } }', 'num_class: 0, blocks: 1 } }'))).toEqual(['line 14: nas.model.model_desc.backbone.num_class: must be >= 1, got 0']);
  });

  it("leaves the model to a plug-in trainer, and the objective keys to a metric that names none before it sees data", () => {
    registry.register('trainer', 'SpecOwnModelTrainer', (() => undefined) as never);
    registry.register('metric', 'spec_per_class_recall', (() => ({ name: 'recall', objective: 'MAX', reset: () => undefined, update: () => undefined, summary: () => ({}) })) as never);
    try {
      const noModel = VALID.replace(/  model:\n    model_desc: \{ modules: \[backbone\], backbone: \{ type: SimpleCnn, num_class: 2, blocks: 1 \} \}\n/, '  trainer: { type: SpecOwnModelTrainer }\n');
      expect(noModel).toContain('SpecOwnModelTrainer');
      expect(problemsOf(noModel)).toEqual([]);
      const recall = VALID.replace('policy: { num_sample: 4 } }', 'policy: { num_sample: 4 }, objective_keys: [accuracy, recall_0] }\n  trainer: { metric: [{ type: accuracy }, { type: spec_per_class_recall }] }');
      expect(problemsOf(recall)).toEqual([]);
    } finally {
      registry.unregister('trainer', 'SpecOwnModelTrainer');
      registry.unregister('metric', 'spec_per_class_recall');
    }
  });

  it('names a step that has no network to train, and a SearchPipeStep with nothing to search', () => {
    const noModel = VALID.replace(/fully_train:\n  pipe_step: \{ type: TrainPipeStep \}\n  model:\n.*\n/, 'fully_train:\n  pipe_step: { type: TrainPipeStep }\n  dataset: { type: Synthetic }\n');
    expect(problemsOf(noModel)).toEqual([
      'line 15: fully_train: names no model to train: set model.model_desc, or take models with model.model_desc_file or pipe_step.models_folder',
    ]);
    const nothingSearched = VALID.replace(/  search_space:\n(    .*\n)*  search_algorithm: .*\n/, '');
    expect(problemsOf(nothingSearched)).toEqual(['line 2: nas: a SearchPipeStep searches: it needs search_algorithm and search_space sections']);
  });

  it("names an objective key the step's trainer does not report, and a target no search step optimises", () => {
    const reports = '(it reports: accuracy, train_accuracy, loss, train_loss, lr, flops, params, latency_ms)';
    expect(problemsOf(VALID.replace('policy: { num_sample: 4 } }', 'policy: { num_sample: 4 }, objective_keys: [accuracy, flop] }'))).toEqual([
      `line 12: nas.search_algorithm.objective_keys[1]: 'flop' is not a metric this step's trainer reports; did you mean 'flops'? ${reports}`,
    ]);
    const regression = VALID.replace('  model:\n    model_desc: { modules: [backbone], backbone: { type: SimpleCnn, num_class: 2, blocks: 1 } }\n', (model) => `${model}  trainer: { metric: { type: mse } }\n`);
    expect(problemsOf(regression.replace('{ type: mse }', '{ type: accuracy, params: { topk: 0 } }'))).toEqual([expect.stringMatching(/^line 15: nas\.trainer\.metric\.params\.topk: .*0/)]);
    expect(problemsOf(`general: { limits: { target: { key: acc, value: 0.9 } } }\n${regression}`)).toEqual([
      "line 1: general.limits.target.key: 'acc' is not an objective of any search step (objective_keys: accuracy), so no trial can reach the target",
      "line 13: nas.search_algorithm: objective_keys is not set, so the step optimises 'accuracy', which its trainer does not report (it reports: mse, train_mse, loss, train_loss, lr, flops, params, latency_ms); set objective_keys",
    ]);
  });

  it('leaves a model taken from an earlier step to that step', () => {
    const taken = VALID.replace(/  model:\n    model_desc: .*channels: 8 } }\n/, '  pipe_step: { type: TrainPipeStep, models_folder: "{local_base_path}/output/nas/" }\n').replace(
      'fully_train:\n  pipe_step: { type: TrainPipeStep }\n',
      'fully_train:\n',
    );
    expect(taken).toContain('models_folder');
    expect(problemsOf(taken)).toEqual([]);
  });
});
