import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { computeInfo } from '@vela/compute';
import { type Batch, type Dataset, createDataset } from '@vela/datasets';
import { InvalidArgumentError } from '@vela/errors';
import { type ModelStatistics, NetworkDesc, modelStatistics } from '@vela/networks';
import { registry } from '@vela/registry';
import { type ArtifactStore, checkArtifactKey } from './artifacts/artifact-store';
import { Callback, CallbackList } from './callbacks/callback';
import { buildComponent } from './component';
import { createLrScheduler } from './lr-schedulers/create-lr-scheduler';
import { type TrainerSettings, callbackType, readTrainerSettings } from './trainer-config';
import type {
  ComputeDescription,
  EpochLogs,
  EpochRecord,
  EvaluationResult,
  Loss,
  LrScheduler,
  Metric,
  Optimizer,
  Performance,
  Reporter,
  StepLogs,
  StopSignal,
  TrainLogs,
  TrainResult,
} from './trainer.types';

/** The callbacks every trainer runs (Vega's defaults for PyTorch); `callbacks:` in the config adds more. */
export const DEFAULT_CALLBACKS = ['ModelStatistics', 'MetricsEvaluator', 'ModelCheckpoint', 'PerformanceSaver', 'LearningRateScheduler', 'ProgressLogger', 'ReportCallback'] as const;

export interface TrainerOptions {
  /** Vega's `trainer:` section. */
  readonly config: unknown;
  /** The network desc (`{modules: [...], backbone: {...}, ...}`) to train (default: the config's `model_desc`). */
  readonly desc?: unknown;
  /** Vega's `dataset:` section: train from mode `train`, validate on `val`. */
  readonly dataset?: unknown;
  /** Or datasets already built (tests, benchmarks); takes precedence over `dataset`. */
  readonly datasets?: { readonly train: Dataset; readonly valid?: Dataset };
  /** Where checkpoints, best weights and performance go; none: no checkpoints, no resume. */
  readonly artifacts?: ArtifactStore;
  /** Key prefix of this trial's artifacts, e.g. `runs/7/trials/42` (default: none). */
  readonly artifactPrefix?: string;
  /**
   * Artifact key of another trial's checkpoint or best weights (e.g. a PBT parent's
   * `.../checkpoint.vela`) to start from: its weights (same desc) are loaded before the first
   * epoch, and training counts epochs from 0. Ignored when this trial has a checkpoint of its own.
   */
  readonly initFrom?: string;
  readonly reporter?: Reporter;
  /** Checked between steps; when aborted, training stops at the next step boundary. */
  readonly signal?: StopSignal;
  /** Progress lines (default: console.log). */
  readonly log?: (line: string) => void;
  /** Backend, threads and device, copied into every record (default: what `initCompute()` chose, if it ran). */
  readonly compute?: ComputeDescription;
}

/**
 * Vega's Trainer: trains one desc on one dataset with the callback loop and its ten hooks.
 *
 * Construction validates everything (config, desc, dataset) and builds the model, so a bad
 * config fails with a field-named InvalidArgumentError before any training; `train()` runs
 * (or resumes, from the trial's checkpoint in the artifact store) and resolves with the
 * result; `dispose()` frees the model and the optimizer's state.
 *
 * A trainer trains once and is not reentrant. It holds tensors from construction until
 * `dispose()`.
 */
export class Trainer {
  readonly settings: TrainerSettings;
  readonly desc: NetworkDesc;
  readonly datasets: { readonly train: Dataset; readonly valid?: Dataset };
  readonly model: tf.LayersModel;
  readonly statistics: ModelStatistics;
  readonly optimizer: Optimizer;
  readonly baseLr: number;
  readonly lrScheduler: LrScheduler;
  readonly loss: Loss;
  readonly callbacks: CallbackList;
  readonly artifacts?: ArtifactStore;
  readonly artifactPrefix: string;
  readonly initFrom?: string;
  readonly reporter?: Reporter;
  readonly compute?: ComputeDescription;
  /** The first epoch to run: 0, or the one after a restored checkpoint's. */
  startEpoch = 0;
  /** Why training ended before its last epoch (early stopping, the stop signal). */
  stopReason?: string;
  /** The record of the last finished epoch (set by ReportCallback; restored on resume). */
  lastRecord?: EpochRecord;
  /** The best epoch so far (set by PerformanceSaver). */
  best?: { epoch: number; performance: Performance };
  private readonly signal?: StopSignal;
  private readonly logLine: (line: string) => void;
  private readonly variables: tf.Variable[];
  private trained = false;

  constructor(options: TrainerOptions) {
    this.settings = readTrainerSettings(options.config);
    const desc = options.desc ?? this.settings.modelDesc;
    if (desc === undefined) throw new InvalidArgumentError('is required: pass desc or give the trainer section a model_desc', 'desc');
    this.desc = new NetworkDesc(desc);
    if (this.settings.initModelFile !== undefined && !existsSync(this.settings.initModelFile)) {
      throw new InvalidArgumentError(`${this.settings.initModelFile} is not a file on this host`, 'trainer.init_model_file');
    }
    this.artifacts = options.artifacts;
    this.artifactPrefix = options.artifactPrefix ?? '';
    this.initFrom = options.initFrom === undefined ? undefined : checkArtifactKey(options.initFrom);
    if (this.initFrom !== undefined && !this.artifacts) throw new InvalidArgumentError('needs an artifact store to read from', 'initFrom');
    this.reporter = options.reporter;
    this.compute = options.compute ?? describeCompute();
    this.signal = options.signal;
    this.logLine = options.log ?? ((line) => console.log(line));
    this.optimizer = buildComponent('optimizer', this.settings.optimizer, 'trainer.optimizer', (entry, args) => entry.factory(args));
    this.baseLr = this.optimizer.lr;
    this.lrScheduler = createLrScheduler(this.settings.lrScheduler, 'trainer.lr_scheduler', { epochs: this.settings.epochs });
    this.loss = buildComponent('loss', this.settings.loss, 'trainer.loss', (entry, args) => entry.factory(args));
    const metricKeys = this.metricKeys;
    if (this.settings.perfsCmpKey !== undefined && !metricKeys.includes(this.settings.perfsCmpKey)) {
      throw new InvalidArgumentError(`'${this.settings.perfsCmpKey}' is not a key the metrics report (${metricKeys.join(', ')})`, 'trainer.perfs_cmp_key');
    }
    const callbacks = this.buildCallbacks();
    // The data last among the checks: loading it may take seconds.
    this.datasets = options.datasets ?? buildDatasets(options.dataset, this.settings.withValid);
    this.model = this.desc.toModel({ inputShape: this.datasets.train.inputShape, seed: this.settings.seed });
    try {
      this.checkOutput();
      this.statistics = modelStatistics(this.model);
    } catch (error) {
      this.model.dispose();
      throw error;
    }
    this.variables = this.model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    this.callbacks = new CallbackList(callbacks, this);
  }

  get epochs(): number {
    return this.settings.epochs;
  }

  /** The metrics of the config, fresh (MetricsEvaluator keeps one set for training and one for validation). */
  createMetrics(): Metric[] {
    return this.settings.metrics.map((raw, i) =>
      buildComponent('metric', raw, this.settings.metrics.length > 1 ? `trainer.metric[${i}]` : 'trainer.metric', (entry, args) => entry.factory(args)),
    );
  }

  /** The keys the configured metrics report (e.g. `accuracy`, or `top1_accuracy` and `top5_accuracy`). */
  get metricKeys(): string[] {
    return this.createMetrics().flatMap((metric) => Object.keys(metric.summary()));
  }

  /** The primary metric (`perfs_cmp_key`, else the first metric's first key) and whether larger is better. */
  get primaryMetric(): { key: string; mode: 'max' | 'min' } {
    const metrics = this.createMetrics();
    const key = this.settings.perfsCmpKey ?? Object.keys(metrics[0].summary())[0];
    const owner = metrics.find((metric) => key in metric.summary()) ?? metrics[0];
    return { key, mode: this.settings.perfsCmpMode ?? (owner.objective === 'MAX' ? 'max' : 'min') };
  }

  log(line: string): void {
    this.logLine(line);
  }

  /** Ends training after the current epoch (EarlyStopping); the stop signal ends it at the next step instead. */
  requestStop(reason: string): void {
    this.stopReason ??= reason;
  }

  /** Runs (or resumes) the training; resolves when it ends, is stopped, or its desc is rejected. */
  async train(): Promise<TrainResult> {
    if (this.trained) throw new InvalidArgumentError('a Trainer trains once; build another for another run', 'trainer');
    this.trained = true;
    const rejection = await this.checkLimits();
    if (rejection) return this.reject(rejection);
    const trainLogs: TrainLogs = {};
    await this.callbacks.call('beforeTrain', trainLogs);
    let stopped = false;
    for (let epoch = this.startEpoch; epoch < this.epochs && !this.stopReason; epoch++) {
      const logs = this.newEpochLogs(epoch);
      await this.callbacks.call('beforeEpoch', epoch, logs);
      if (!(await this.trainEpoch(epoch, logs))) {
        stopped = true;
        break;
      }
      if (this.datasets.valid && ((epoch + 1) % this.settings.validInterval === 0 || epoch === this.epochs - 1) && !(await this.validEpoch(logs))) {
        stopped = true;
        break;
      }
      await this.callbacks.call('afterEpoch', epoch, logs);
    }
    trainLogs.lastRecord = this.lastRecord;
    await this.callbacks.call('afterTrain', trainLogs);
    const epochsCompleted = this.lastRecord ? this.lastRecord.epoch + 1 : this.startEpoch;
    return {
      status: stopped ? 'stopped' : 'succeeded',
      epochsCompleted,
      lastRecord: this.lastRecord,
      best: this.best,
      message: this.stopReason,
    };
  }

  /**
   * Vega's BenchmarkPipeStep for this model: loads the starting weights (`initFrom` or
   * `init_model_file`, as training does), then measures the config's metrics and the loss
   * over the whole of `dataset` (the test split) and the forward latency of one example.
   * Trains nothing.
   */
  async evaluate(dataset: Dataset): Promise<EvaluationResult> {
    const loader = this.callbacks.find<Callback & { loadStartingWeights(): Promise<void> }>('ModelCheckpoint');
    if (!loader && (this.initFrom || this.settings.initModelFile)) throw new InvalidArgumentError('needs the ModelCheckpoint callback to load the weights to evaluate', 'trainer.callbacks');
    await loader?.loadStartingWeights();
    const metrics = this.createMetrics();
    const started = performance.now();
    let lossSum = 0;
    let examples = 0;
    for (const batch of dataset.batches(0)) {
      try {
        const size = batch.y.shape[0];
        const loss = tf.tidy(() => {
          const output = this.model.apply(batch.x, { training: false }) as tf.Tensor;
          for (const metric of metrics) metric.update(output, batch.y);
          return this.loss.compute(output, batch.y);
        });
        lossSum += (await loss.data())[0] * size;
        loss.dispose();
        examples += size;
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
    }
    const evaluateSeconds = (performance.now() - started) / 1000;
    return {
      performance: Object.assign({ loss: examples ? lossSum / examples : Number.NaN }, ...metrics.map((metric) => metric.summary())),
      latencyMs: await this.measureLatency(),
      examples,
      evaluateSeconds,
      compute: this.compute,
    };
  }

  /** Frees the model and the optimizer's state. */
  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }

  /** The record of an epoch from its logs (ReportCallback sends it). */
  recordOf(epoch: number, logs: EpochLogs): EpochRecord {
    const epochSeconds = logs.trainSeconds + logs.validSeconds;
    return {
      epoch,
      epochs: this.epochs,
      status: epoch === this.epochs - 1 || this.stopReason ? 'succeeded' : 'running',
      performance: { ...logs.summaryPerfs },
      trainMetrics: { ...logs.trainMetrics },
      trainLoss: logs.trainLoss,
      validLoss: logs.validLoss,
      lr: logs.lr,
      best: logs.best,
      timings: {
        trainSeconds: logs.trainSeconds,
        validSeconds: logs.validSeconds,
        epochSeconds,
        imagesPerSecond: logs.trainSeconds > 0 ? logs.trainExamples / logs.trainSeconds : 0,
      },
      checkpoint: logs.checkpoint,
      compute: this.compute,
      message: this.stopReason,
    };
  }

  private newEpochLogs(epoch: number): EpochLogs {
    return {
      epoch,
      trainNumBatches: this.datasets.train.numBatches,
      validNumBatches: this.datasets.valid?.numBatches ?? 0,
      lr: this.optimizer.lr,
      trainMetrics: {},
      validMetrics: {},
      summaryPerfs: {},
      trainSeconds: 0,
      validSeconds: 0,
      trainExamples: 0,
      validated: false,
      best: false,
    };
  }

  /** One epoch of training steps; false when the stop signal ended it. */
  private async trainEpoch(epoch: number, logs: EpochLogs): Promise<boolean> {
    let index = 0;
    let seconds = 0;
    for (const batch of this.datasets.train.batches(epoch)) {
      try {
        if (await this.stopSignalled()) return false;
        const step: StepLogs = { batch };
        await this.callbacks.call('beforeTrainStep', index, step);
        const started = performance.now();
        const { loss, output } = this.trainStep(batch);
        try {
          step.loss = (await loss.data())[0];
          seconds += (performance.now() - started) / 1000;
          step.output = output;
          logs.trainExamples += batch.y.shape[0];
          await this.callbacks.call('afterTrainStep', index, step);
        } finally {
          tf.dispose([loss, output]);
        }
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
      index++;
    }
    logs.trainSeconds = seconds;
    return true;
  }

  /** Forward, loss, gradients and the optimizer's update; returns the loss and the output (caller disposes). */
  private trainStep(batch: Batch): { loss: tf.Scalar; output: tf.Tensor } {
    let output: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      output = tf.keep(this.model.apply(batch.x, { training: true }) as tf.Tensor);
      return this.loss.compute(output, batch.y);
    }, this.variables);
    const gradients = this.variables.map((variable) => grads[variable.name]);
    const clipped = this.settings.gradClip ? clipByGlobalNorm(gradients, this.settings.gradClip) : gradients;
    this.optimizer.step(this.variables, clipped);
    tf.dispose(grads);
    if (clipped !== gradients) tf.dispose(clipped);
    return { loss: value, output: output as tf.Tensor };
  }

  /** True (after noting why) when the stop signal is raised; first lets pending I/O deliver it. */
  private async stopSignalled(): Promise<boolean> {
    await yieldToEventLoop();
    if (!this.signal?.aborted) return false;
    this.requestStop(`stopped: ${String(this.signal.reason ?? 'stop signal')}`);
    return true;
  }

  /** One validation pass; false when the stop signal ended it. */
  private async validEpoch(logs: EpochLogs): Promise<boolean> {
    const valid = this.datasets.valid as Dataset;
    const started = performance.now();
    await this.callbacks.call('beforeValid', logs);
    let index = 0;
    for (const batch of valid.batches(0)) {
      try {
        if (await this.stopSignalled()) return false;
        const step: StepLogs = { batch };
        await this.callbacks.call('beforeValidStep', index, step);
        const { output, loss } = tf.tidy(() => {
          const out = this.model.apply(batch.x, { training: false }) as tf.Tensor;
          return { output: out, loss: this.loss.compute(out, batch.y) };
        });
        try {
          step.output = output;
          step.loss = (await loss.data())[0];
          await this.callbacks.call('afterValidStep', index, step);
        } finally {
          tf.dispose([output, loss]);
        }
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
      index++;
    }
    logs.validated = true;
    await this.callbacks.call('afterValid', logs);
    logs.validSeconds = (performance.now() - started) / 1000;
    return true;
  }

  private buildCallbacks(): Callback[] {
    const names = new Set<string>(DEFAULT_CALLBACKS);
    const extra = this.settings.callbacks.map((raw, i) => {
      const field = `trainer.callbacks[${i}]`;
      const type = callbackType(raw, field);
      const entry = registry.get('callback', type, field);
      if (names.has(entry.name)) throw new InvalidArgumentError(`'${entry.name}' is ${DEFAULT_CALLBACKS.includes(entry.name as never) ? 'a default callback' : 'listed twice'}`, field);
      names.add(entry.name);
      return buildComponent('callback', raw, field, (e, args) => e.factory(args));
    });
    const defaults = DEFAULT_CALLBACKS.map((name) => buildComponent('callback', name, 'trainer.callbacks', (entry, args) => entry.factory(args)));
    return [...defaults, ...extra];
  }

  private checkOutput(): void {
    const shape = this.model.outputs[0].shape;
    const classes = this.datasets.train.numClasses;
    if (shape.length !== 2) {
      throw new InvalidArgumentError(`the network outputs [${shape.map((d) => d ?? 'N').join(', ')}]; training needs [batch, classes] (add a head)`, 'desc');
    }
    if (this.loss.name === 'CrossEntropyLoss' && (shape[1] as number) < classes) {
      throw new InvalidArgumentError(`the network outputs ${shape[1]} classes but the dataset has ${classes} (set num_class)`, 'desc');
    }
    // Each metric sees one dummy batch of the model's output shape, so that one that cannot
    // work with it (e.g. top-5 accuracy over 4 classes) fails now rather than after an epoch.
    tf.tidy(() => {
      for (const metric of this.createMetrics()) metric.update(tf.zeros([1, shape[1] as number]), tf.zeros([1], 'int32'));
    });
  }

  /**
   * Forward latency of one example in milliseconds on this backend: the median of 5 timed
   * predictions after one warm-up.
   */
  async measureLatency(): Promise<number> {
    const input = tf.zeros([1, ...this.datasets.train.inputShape]);
    const times: number[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const started = performance.now();
        const output = this.model.predict(input) as tf.Tensor;
        await output.data();
        output.dispose();
        if (i > 0) times.push(performance.now() - started);
      }
    } finally {
      input.dispose();
    }
    return times.sort((a, b) => a - b)[2];
  }

  /** Why `limits` reject this desc, or undefined. */
  private async checkLimits(): Promise<string | undefined> {
    const { flopRange, paramRange, latencyRange } = this.settings.limits;
    const { flops, params } = this.statistics;
    if (latencyRange) {
      const latency = await this.measureLatency();
      if (latency < latencyRange.min || latency > latencyRange.max) {
        return `latency ${Number(latency.toPrecision(4))} ms outside trainer.limits.latency_range [${latencyRange.min}, ${latencyRange.max}]`;
      }
    }
    if (flopRange && (flops < flopRange.min || flops > flopRange.max)) {
      return `flops ${Number(flops.toPrecision(4))} (billions of MACs) outside trainer.limits.flop_range [${flopRange.min}, ${flopRange.max}]`;
    }
    if (paramRange && (params < paramRange.min || params > paramRange.max)) {
      return `params ${Number(params.toPrecision(4))} (thousands) outside trainer.limits.param_range [${paramRange.min}, ${paramRange.max}]`;
    }
    return undefined;
  }

  private async reject(message: string): Promise<TrainResult> {
    this.log(`rejected before training: ${message}`);
    const record: EpochRecord = {
      epoch: 0,
      epochs: this.epochs,
      status: 'rejected',
      performance: { flops: this.statistics.flops, params: this.statistics.params },
      trainMetrics: {},
      lr: this.optimizer.lr,
      best: false,
      timings: { trainSeconds: 0, validSeconds: 0, epochSeconds: 0, imagesPerSecond: 0 },
      compute: this.compute,
      message,
    };
    this.lastRecord = record;
    await this.reporter?.report(record);
    return { status: 'rejected', epochsCompleted: 0, lastRecord: record, message };
  }
}

function buildDatasets(section: unknown, withValid: boolean): { train: Dataset; valid?: Dataset } {
  if (section === undefined) throw new InvalidArgumentError('is required (or pass datasets)', 'dataset');
  return { train: createDataset(section, 'train'), valid: withValid ? createDataset(section, 'val') : undefined };
}

/** Scales the gradients so that their global L2 norm is at most `maxNorm` (PyTorch's clip_grad_norm_). */
function clipByGlobalNorm(gradients: tf.Tensor[], maxNorm: number): tf.Tensor[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(gradients.map((g) => g.square().sum())));
    const scale = tf.minimum(tf.scalar(1), tf.scalar(maxNorm).div(norm.add(1e-6)));
    return gradients.map((g) => g.mul(scale));
  });
}

/** The backend `@vela/compute` chose for this process, as records carry it. */
function describeCompute(): ComputeDescription | undefined {
  const info = computeInfo();
  return info && { backend: info.backend, threads: info.threads, device: info.device };
}

/** Lets timers and I/O (a heartbeat's stop answer) run between steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

declare module '@vela/registry' {
  interface RegistryFactories {
    trainer: (options: TrainerOptions) => Trainer;
  }
}
