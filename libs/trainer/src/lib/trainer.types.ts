import type * as tf from '@tensorflow/tfjs';
import type { Batch } from '@vela/datasets';
import type { ArgReader } from '@vela/networks';
import type { Callback } from './callbacks/callback';

/** The backend a record was trained on (what `@vela/compute`'s `initCompute()` returns satisfies it). */
export interface ComputeDescription {
  readonly backend: string;
  readonly threads: number;
  readonly device: string;
}

/** Vega's `summary_perfs`: the valid metrics of an epoch plus `flops` and `params` (Vega's units). */
export type Performance = Readonly<Record<string, number>>;

/**
 * What the trainer hands its Reporter after each epoch (and once, instead of training, for a
 * desc its `limits` reject). The worker adds the trial and attempt and sends it to the Report
 * service, which keys it by (trial, attempt, epoch).
 */
export interface EpochRecord {
  /** The 0-based epoch just finished (0 for a rejected desc). */
  readonly epoch: number;
  /** The configured number of epochs. */
  readonly epochs: number;
  /** `running` while more epochs follow; `succeeded` on the last one (including an early stop); `rejected` by limits. */
  readonly status: 'running' | 'succeeded' | 'rejected';
  /** Valid metrics (e.g. `accuracy`), `flops` (billions of MACs) and `params` (thousands). */
  readonly performance: Performance;
  /** The same metrics over this epoch's training batches. */
  readonly trainMetrics: Performance;
  readonly trainLoss?: number;
  readonly validLoss?: number;
  /** The learning rate the epoch ended with. */
  readonly lr: number;
  /** Whether this epoch is the best so far by the primary metric (`perfs_cmp_key`). */
  readonly best: boolean;
  readonly timings: {
    readonly trainSeconds: number;
    readonly validSeconds: number;
    readonly epochSeconds: number;
    /** Training examples per second over this epoch's training steps. */
    readonly imagesPerSecond: number;
  };
  /** Artifact key of the checkpoint this epoch left (the one a resumed attempt starts from). */
  readonly checkpoint?: string;
  readonly compute?: ComputeDescription;
  /** Why a desc was rejected, or why training stopped early. */
  readonly message?: string;
}

/**
 * Receives each epoch's record. The worker's implementation forwards it to the Report
 * service. Contract: called once per finished epoch, in order, awaited before the next epoch
 * starts; a rejection fails the training (the attempt is retried by the master).
 */
export interface Reporter {
  report(record: EpochRecord): Promise<void> | void;
}

/**
 * How a master stops a trial: the trainer reads `aborted` between steps and stops at the next
 * step boundary. An `AbortSignal` satisfies it.
 */
export interface StopSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

/** What `Trainer.evaluate` measured: the metrics and loss over the whole set, and one example's forward latency. */
export interface EvaluationResult {
  readonly performance: Readonly<Record<string, number>>;
  readonly latencyMs: number;
  readonly examples: number;
  readonly evaluateSeconds: number;
  readonly compute?: ComputeDescription;
}

export interface TrainResult {
  /** `succeeded`: all epochs ran or a callback (EarlyStopping) ended training; `stopped`: the stop signal; `rejected`: limits. */
  readonly status: 'succeeded' | 'stopped' | 'rejected';
  /** Epochs finished, counting those a resumed attempt found in its checkpoint. */
  readonly epochsCompleted: number;
  /** The last epoch's record (or the rejection's). */
  readonly lastRecord?: EpochRecord;
  /** The best epoch by the primary metric. */
  readonly best?: { readonly epoch: number; readonly performance: Performance };
  readonly message?: string;
}

/** What the hooks of one training step or validation step see. */
export interface StepLogs {
  readonly batch: Batch;
  /** The model's output for the batch (disposed by the trainer after the step's hooks). */
  output?: tf.Tensor;
  /** The batch's mean loss. */
  loss?: number;
}

/** Shared by the hooks of one epoch (Vega's `epoch_logs`); callbacks fill it in priority order. */
export interface EpochLogs {
  readonly epoch: number;
  readonly trainNumBatches: number;
  readonly validNumBatches: number;
  lr: number;
  trainLoss?: number;
  trainMetrics: Record<string, number>;
  validLoss?: number;
  validMetrics: Record<string, number>;
  /** Vega's `summary_perfs`: becomes the record's `performance`. */
  summaryPerfs: Record<string, number>;
  trainSeconds: number;
  validSeconds: number;
  trainExamples: number;
  validated: boolean;
  best: boolean;
  checkpoint?: string;
}

/** Shared by before/after train. */
export interface TrainLogs {
  /** The result in the making: callbacks may read it in afterTrain. */
  lastRecord?: EpochRecord;
}

/**
 * A training optimizer with PyTorch's update rules. It owns its state tensors.
 * Contract: `step` updates `variables` in place from `gradients` (same order, not disposed);
 * `getState` returns copies the caller disposes; `setState` takes copies of what it is given.
 */
export interface Optimizer {
  readonly name: string;
  /** The current learning rate; the LearningRateScheduler callback sets it. */
  lr: number;
  step(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void;
  getState(): OptimizerState;
  setState(state: OptimizerState, variables: readonly tf.Variable[]): void;
  dispose(): void;
}

export interface OptimizerState {
  readonly scalars: Readonly<Record<string, number>>;
  readonly tensors: ReadonlyMap<string, tf.Tensor>;
}

/** A loss over a batch: `compute` returns the mean loss as a scalar (inside the caller's tidy). */
export interface Loss {
  readonly name: string;
  compute(output: tf.Tensor, target: tf.Tensor): tf.Scalar;
}

/** A learning-rate schedule in closed form (so a resumed trial needs no scheduler state). */
export interface LrScheduler {
  readonly name: string;
  /** The learning rate at `progress` epochs (fractional when stepped per batch) from `baseLr`. */
  lrAt(progress: number, baseLr: number): number;
}

/**
 * Vega's MetricBase: `update` per batch, `summary` per epoch, `reset` before each pass.
 * `objective` says whether larger is better.
 */
export interface Metric {
  readonly name: string;
  readonly objective: 'MAX' | 'MIN';
  reset(): void;
  update(output: tf.Tensor, target: tf.Tensor): void;
  summary(): Record<string, number>;
}

/** Context the schedulers get besides their own arguments. */
export interface LrSchedulerContext {
  readonly epochs: number;
}

export type OptimizerFactory = (args: ArgReader) => Optimizer;
export type LossFactory = (args: ArgReader) => Loss;
export type LrSchedulerFactory = (args: ArgReader, context: LrSchedulerContext) => LrScheduler;
export type MetricFactory = (args: ArgReader) => Metric;
export type CallbackFactory = (args: ArgReader) => Callback;

declare module '@vela/registry' {
  interface RegistryFactories {
    optimizer: OptimizerFactory;
    loss: LossFactory;
    lr_scheduler: LrSchedulerFactory;
    metric: MetricFactory;
    callback: CallbackFactory;
  }
}
