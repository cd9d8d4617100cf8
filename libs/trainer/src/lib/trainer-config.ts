import { InvalidArgumentError } from '@vela/errors';
import { ArgReader, describe } from '@vela/networks';

/** Vega's TrainerConfig defaults for the components a config leaves out. */
export const DEFAULT_COMPONENTS = {
  optimizer: { type: 'Adam', params: { lr: 0.1 } },
  lr_scheduler: { type: 'MultiStepLR', params: { milestones: [75, 150], gamma: 0.5 } },
  loss: { type: 'CrossEntropyLoss' },
  metric: { type: 'accuracy' },
} as const;

/**
 * Vega trainer keys accepted for compatibility that change nothing here: devices, mixed
 * precision, distribution, and `calc_params_each_epoch` (the statistics of a built model do
 * not change, so every record carries them).
 */
const IGNORED_VEGA_KEYS = ['type', 'cuda', 'device', 'distributed', 'horovod', 'syncbn', 'amp', 'opt_level', 'is_detection_trainer', 'save_model_desc', 'save_ext_model', 'calc_params_each_epoch'];

/**
 * Keys of a step's trainer section that the master or the worker resolve before a trainer
 * runs (the codec that decoded the desc, where descs and hyperparameters came from, the
 * resources a trial asks for): carried, not read here.
 */
const RESOLVED_UPSTREAM_KEYS = ['codec', 'model_desc_file', 'hps_file', 'resources'];

export interface Range {
  readonly min: number;
  readonly max: number;
}

/**
 * A trainer section, validated. Components (optimizer, scheduler, loss, metrics, extra
 * callbacks) stay raw here and are built, with their own field-named errors, by the Trainer.
 */
export interface TrainerSettings {
  readonly epochs: number;
  /** Validate every n epochs (and after the last). */
  readonly validInterval: number;
  /** ProgressLogger's step interval. */
  readonly reportFreq: number;
  /** Seeds the network's initializers. */
  readonly seed?: number;
  readonly callMetricsOnTrain: boolean;
  readonly withValid: boolean;
  /** Resume from the trial's checkpoint when the artifact store holds one. */
  readonly loadCheckpoint: boolean;
  readonly saveCheckpoint: boolean;
  /** Save the best epoch's weights (`model_best.vela`) beside the checkpoint. */
  readonly saveBestModel: boolean;
  /** Clip the gradients' global L2 norm to this (Vega's `grad_clip`). */
  readonly gradClip?: number;
  /** The primary metric (Vega's `perfs_cmp_key`; default the first metric's first key) and whether larger is better. */
  readonly perfsCmpKey?: string;
  readonly perfsCmpMode?: 'max' | 'min';
  /**
   * Vega's `limits`, in Vega's units: `flop_range` in billions of MACs, `param_range` in
   * thousands, `latency_range` in milliseconds per example (forward pass, batch 1, measured
   * on this host's backend).
   */
  readonly limits: { readonly flopRange?: Range; readonly paramRange?: Range; readonly latencyRange?: Range };
  /** The desc given in the config (`model_desc`), used when the trainer is given none. */
  readonly modelDesc?: unknown;
  /** Vega's `init_model_file` / `pretrained_model_file`: a Vela checkpoint file on this host to start from. */
  readonly initModelFile?: string;
  readonly optimizer: unknown;
  /** The `lr_scheduler` section without `by_epoch`. */
  readonly lrScheduler: unknown;
  /** Vega's `lr_scheduler.by_epoch` (true): step the rate per epoch, else per batch. */
  readonly lrByEpoch: boolean;
  readonly loss: unknown;
  readonly metrics: readonly unknown[];
  readonly callbacks: readonly unknown[];
}

/**
 * Reads a Vega `trainer:` section. Keys: `epochs` (1), `optimizer` (or Vega's older `optim`),
 * `lr_scheduler`, `loss`, `metric` (one or a list), `callbacks` (extra ones: a name, `{type,
 * params}` or a list), `valid_interval` (1), `report_freq` (10), `seed`, `limits`,
 * `grad_clip`, `perfs_cmp_key`, `perfs_cmp_mode`, `call_metrics_on_train` (true), `with_valid`
 * (true), `load_checkpoint` (true), `save_checkpoint` (true), `save_best_model` (true),
 * `model_desc`, `init_model_file` (or `pretrained_model_file`).
 * Unknown keys fail with the closest known one.
 */
export function readTrainerSettings(raw: unknown, field = 'trainer'): TrainerSettings {
  const args = ArgReader.of(raw, field);
  args.accept(...IGNORED_VEGA_KEYS, ...RESOLVED_UPSTREAM_KEYS);
  const initKey = args.firstOf(['init_model_file', 'pretrained_model_file']);
  const epochs = args.int('epochs', 1, { min: 1 });
  const optimizer = args.value(args.firstOf(['optimizer', 'optim'])) ?? DEFAULT_COMPONENTS.optimizer;
  const metric = args.value('metric') ?? DEFAULT_COMPONENTS.metric;
  const callbacks = args.value('callbacks') ?? [];
  const perfsCmpMode = args.has('perfs_cmp_mode') ? args.stringOneOf('perfs_cmp_mode', ['max', 'min']) : undefined;
  const settings: TrainerSettings = {
    epochs,
    validInterval: args.int('valid_interval', 1, { min: 1 }),
    reportFreq: args.int('report_freq', 10, { min: 1 }),
    seed: args.has('seed') ? args.int('seed') : undefined,
    callMetricsOnTrain: args.bool('call_metrics_on_train', true),
    withValid: args.bool('with_valid', true),
    loadCheckpoint: args.bool('load_checkpoint', true),
    saveCheckpoint: args.bool('save_checkpoint', true),
    saveBestModel: args.bool('save_best_model', true),
    gradClip: args.optionalNumber('grad_clip', { min: 0, exclusiveMin: true }),
    perfsCmpKey: args.has('perfs_cmp_key') ? args.string('perfs_cmp_key') : undefined,
    perfsCmpMode,
    limits: readLimits(args.child('limits')),
    modelDesc: args.value('model_desc') ?? undefined,
    initModelFile: args.has(initKey) ? args.string(initKey) : undefined,
    optimizer,
    ...readLrScheduler(args.value('lr_scheduler') ?? DEFAULT_COMPONENTS.lr_scheduler, args.path('lr_scheduler')),
    loss: args.value('loss') ?? DEFAULT_COMPONENTS.loss,
    metrics: Array.isArray(metric) ? metric : [metric],
    callbacks: Array.isArray(callbacks) ? callbacks : [callbacks],
  };
  args.accept('seed', 'perfs_cmp_key', 'perfs_cmp_mode');
  args.done();
  if (!settings.metrics.length) throw new InvalidArgumentError('must name at least one metric', args.path('metric'));
  return settings;
}

/**
 * Splits Vega's section-level `by_epoch` off the scheduler's own arguments. It may also sit in
 * `params` (where the config lib's normalisation puts every inline key).
 */
function readLrScheduler(raw: unknown, field: string): { lrScheduler: unknown; lrByEpoch: boolean } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { lrScheduler: raw, lrByEpoch: true };
  const { by_epoch: outer, ...section } = raw as Record<string, unknown>;
  const params = section['params'];
  let inner: unknown;
  if (params && typeof params === 'object' && !Array.isArray(params) && 'by_epoch' in params) {
    const { by_epoch: byEpoch, ...rest } = params as Record<string, unknown>;
    inner = byEpoch;
    section['params'] = rest;
  }
  if (outer !== undefined && inner !== undefined) throw new InvalidArgumentError('give by_epoch once, beside type or in params', `${field}.by_epoch`);
  return { lrScheduler: section, lrByEpoch: new ArgReader({ by_epoch: outer ?? inner }, field).bool('by_epoch', true) };
}

function readLimits(args: ArgReader): TrainerSettings['limits'] {
  const range = (name: string): Range | undefined => {
    if (!args.has(name)) {
      args.accept(name);
      return undefined;
    }
    const [min, max] = args.numberList(name, undefined, { length: 2, min: 0 });
    if (min > max) throw new InvalidArgumentError(`must be [min, max] with min <= max, got [${min}, ${max}]`, args.path(name));
    return { min, max };
  };
  const limits = { flopRange: range('flop_range'), paramRange: range('param_range'), latencyRange: range('latency_range') };
  args.done();
  return limits;
}

/** Reads Vega's `callbacks` entry: a name or `{type, params}`. */
export function callbackType(raw: unknown, field: string): string {
  if (typeof raw === 'string') return raw;
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && typeof (raw as { type?: unknown }).type === 'string') return (raw as { type: string }).type;
  throw new InvalidArgumentError(`must be a callback name or {type, params}, got ${describe(raw)}`, field);
}
