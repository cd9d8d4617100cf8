import { z } from 'zod';
import { checkHyperparameterTargets } from './hyperparameter-targets';
import { outputSourceSchema } from './output-source.schema';
import { checkModules, searchSpaceSchema } from './search-space.schema';
import {
  type SchemaContext,
  freeMapping,
  nonEmptyString,
  nonNegativeInteger,
  oneOrMany,
  positiveInteger,
  registeredName,
  section,
  ALWAYS,
  unknownKeyMessage,
} from './schema-kit';
import { isPlainMapping } from '../config-path';

/** Dataset sub-sections, as Vega's: settings shared by all modes, then per mode. */
export const DATASET_MODES = ['common', 'train', 'val', 'test'] as const;

/**
 * A pluggable component chosen by `type:`: its arguments under `params:` or, as Vega also
 * accepts, inline beside `type` (`lr_scheduler: {type: StepLR, step_size: 20}`). Both are
 * normalised into `params`.
 */
function component(context: SchemaContext, kind: 'optimizer' | 'lr_scheduler' | 'loss' | 'metric') {
  return z.looseObject({ type: registeredName(context, kind), params: freeMapping.optional() }).transform(({ type, params, ...inline }) => ({ type, params: { ...inline, ...params } }));
}

/** A NetworkDesc written in the config (`model_desc:`): a network type, or `modules` with a section each. */
function modelDesc(context: SchemaContext) {
  return freeMapping.superRefine((desc, issues) => {
    if (desc.modules === undefined && desc.type === undefined) {
      issues.addIssue({ code: 'custom', message: "expected a network description with 'modules: [...]' and a section per module, or a network 'type', found neither" });
      return;
    }
    if (desc.modules !== undefined && !(Array.isArray(desc.modules) && desc.modules.every((module) => typeof module === 'string'))) {
      issues.addIssue({ code: 'custom', path: ['modules'], message: `expected a list of module names such as ['backbone', 'head'], found ${JSON.stringify(desc.modules)}` });
      return;
    }
    if (desc.type !== undefined) {
      const parsed = registeredName(context, 'network').safeParse(desc.type, { error: context.errorMap });
      if (!parsed.success) issues.addIssue({ code: 'custom', path: ['type'], message: parsed.error.issues[0].message });
    }
    checkModules(desc, context, issues);
  });
}

const datasetModeShape = {
  data_path: nonEmptyString.optional(),
  batch_size: positiveInteger.optional(),
  train_portion: z.number().gt(0).max(1).optional(),
  shuffle: z.boolean().optional(),
  drop_last: z.boolean().optional(),
  /** Vela's: the first N examples of the mode (after the seeded split), for quick jobs. */
  max_samples: positiveInteger.optional(),
  seed: nonNegativeInteger.optional(),
  transforms: z.array(z.looseObject({ type: nonEmptyString })).optional(),
};
type DatasetModeSettings = z.output<z.ZodObject<typeof datasetModeShape>>;

/**
 * `dataset:` with Vega's `common` / `train` / `val` / `test` sections. Settings written beside
 * `type` (where a searched `dataset.batch_size` lands) count as `common`, below its own keys.
 * Besides the settings every dataset shares, a dataset's own (declared as `settings` when it
 * is registered, e.g. Synthetic's `num_samples`) are accepted; anything else is a typo.
 */
function datasetSchema(context: SchemaContext) {
  const shared = Object.keys(datasetModeShape);
  const ownSettings = (type: unknown): string[] => (typeof type === 'string' ? [...(context.registry.find('dataset', type)?.settings ?? [])] : []);
  const mode = z.looseObject(datasetModeShape).optional();
  return z
    .looseObject({ type: registeredName(context, 'dataset'), common: mode, train: mode, val: mode, test: mode, ...datasetModeShape })
    .superRefine((value, issues) => {
      if (!isPlainMapping(value)) return;
      const known = [...shared, ...ownSettings(value['type'])];
      const check = (mapping: unknown, path: string[], extra: readonly string[] = []) => {
        if (!isPlainMapping(mapping)) return;
        for (const key of Object.keys(mapping)) {
          if (!known.includes(key) && !extra.includes(key)) issues.addIssue({ code: 'custom', path: [...path, key], message: unknownKeyMessage(key, [...extra, ...known]) });
        }
      };
      check(value, [], ['type', ...DATASET_MODES]);
      for (const modeName of DATASET_MODES) check(value[modeName], [modeName]);
    }, ALWAYS)
    .transform(({ type, common, train, val, test, ...beside }) => {
      const shared: DatasetModeSettings = { ...withoutUndefined(beside), ...common };
      return withoutUndefined({ type, common: Object.keys(shared).length ? shared : undefined, train, val, test });
    });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

/**
 * `search_algorithm:`: the keys every algorithm shares, and an algorithm's own (declared as
 * `settings` when it is registered, e.g. the plug-in `remote`'s `address`), kept as written for
 * the algorithm to check; anything else is a typo.
 */
function searchAlgorithmSchema(context: SchemaContext) {
  const shape = {
    type: registeredName(context, 'search_algorithm'),
    codec: registeredName(context, 'codec').optional(),
    policy: freeMapping.optional(),
    objective_keys: oneOrMany(nonEmptyString).optional(),
    range: freeMapping.optional(),
    seed: nonNegativeInteger.optional(),
    /** Vela's: an early-stopping rule on intermediate records (median or percentile), applied by the master. */
    early_stopping: freeMapping.optional(),
  };
  const shared = Object.keys(shape);
  return z.looseObject(shape).superRefine((value, issues) => {
    if (!isPlainMapping(value)) return;
    const own = typeof value['type'] === 'string' ? (context.registry.find('search_algorithm', value['type'])?.settings ?? []) : [];
    for (const key of Object.keys(value)) {
      if (!shared.includes(key) && !own.includes(key)) issues.addIssue({ code: 'custom', path: [key], message: unknownKeyMessage(key, [...shared, ...own]) });
    }
  }, ALWAYS);
}

const numberRange = z.tuple([z.number(), z.number()]).refine(([low, high]) => low <= high, { message: 'expected [low, high] with low <= high' });

/** What one trial asks of a worker (DESIGN: a trial's resource request). */
const resourcesSchema = section({
  gpus: nonNegativeInteger.optional(),
  cpu_slots: nonNegativeInteger.optional(),
  memory_bytes: positiveInteger.optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

function trainerShape(context: SchemaContext, step: string) {
  return {
    type: registeredName(context, 'trainer').optional(),
    epochs: positiveInteger.optional(),
    // Vega's developer guide writes `optim:`, its later releases `optimizer:`; both mean the same.
    optimizer: component(context, 'optimizer').optional(),
    optim: component(context, 'optimizer').optional(),
    lr_scheduler: component(context, 'lr_scheduler').optional(),
    loss: component(context, 'loss').optional(),
    metric: oneOrMany(component(context, 'metric')).optional(),
    callbacks: oneOrMany(registeredName(context, 'callback')).optional(),
    report_freq: positiveInteger.optional(),
    valid_interval: positiveInteger.optional(),
    with_valid: z.boolean().optional(),
    seed: nonNegativeInteger.optional(),
    grad_clip: z.number().gt(0).optional(),
    calc_params_each_epoch: z.boolean().optional(),
    codec: registeredName(context, 'codec').optional(),
    model_desc: modelDesc(context).optional(),
    model_desc_file: outputSourceSchema(context, step).optional(),
    hps_file: outputSourceSchema(context, step).optional(),
    init_model_file: nonEmptyString.optional(),
    pretrained_model_file: nonEmptyString.optional(),
    load_checkpoint: z.boolean().optional(),
    save_checkpoint: z.boolean().optional(),
    limits: section({ flop_range: numberRange.optional(), param_range: numberRange.optional(), latency_range: numberRange.optional() }).optional(),
    resources: resourcesSchema.optional(),
  };
}

function trainerSchema(context: SchemaContext, step: string) {
  return section(trainerShape(context, step), (trainer, issues) => {
    if (trainer.optimizer !== undefined && trainer.optim !== undefined) issues.addIssue({ code: 'custom', path: ['optim'], message: "write the optimizer once, as 'optimizer:' or as 'optim:', found both" });
  }).transform(({ optim, optimizer, ...rest }) => ({ ...rest, optimizer: optimizer ?? optim }));
}

function evaluatorSchema(context: SchemaContext) {
  return section({
    type: z.enum(['Evaluator']).optional(),
    host_evaluator: section({
      type: z.enum(['HostEvaluator']).optional(),
      metric: oneOrMany(component(context, 'metric')).optional(),
      load_checkpoint: z.boolean().optional(),
    }).optional(),
  });
}

function modelSchema(context: SchemaContext, step: string) {
  return section({
    model_desc: modelDesc(context).optional(),
    model_desc_file: outputSourceSchema(context, step).optional(),
    models_folder: outputSourceSchema(context, step).optional(),
    hps_file: outputSourceSchema(context, step).optional(),
    pretrained_model_file: nonEmptyString.optional(),
  });
}

/** One pipeline step: its pipe step type and the sections that type reads. */
export function stepSchema(context: SchemaContext, step: string) {
  const targets = { trainer: Object.keys(trainerShape(context, step)), dataset: ['type', 'common', 'train', 'val', 'test', ...Object.keys(datasetModeShape)] };
  return section({
    pipe_step: section({ type: registeredName(context, 'pipe_step'), models_folder: outputSourceSchema(context, step).optional() }),
    dataset: datasetSchema(context).optional(),
    search_space: searchSpaceSchema(context).optional(),
    search_algorithm: searchAlgorithmSchema(context).optional(),
    trainer: trainerSchema(context, step).optional(),
    evaluator: evaluatorSchema(context).optional(),
    model: modelSchema(context, step).optional(),
  }, (sections, issues) => {
    if (sections.search_algorithm !== undefined && sections.search_space === undefined) {
      issues.addIssue({ code: 'custom', path: ['search_space'], message: 'required: a step with a search_algorithm needs the search_space it searches, found nothing' });
    }
    checkHyperparameterTargets(sections, targets, issues);
  });
}

export type StepSections = z.output<ReturnType<typeof stepSchema>>;
