import type * as tf from '@tensorflow/tfjs';
import type { ArgReader } from '@vela/networks';

/** Vega's dataset modes: `val` is the held-out part of the training files (see `train_portion`). */
export type DatasetMode = 'train' | 'val' | 'test';
export const DATASET_MODES: readonly DatasetMode[] = ['train', 'val', 'test'];

/** One batch. Ownership: the consumer disposes both tensors. */
export interface Batch {
  /** Inputs, NHWC float32 for images, e.g. `[128, 28, 28, 1]`. */
  readonly x: tf.Tensor;
  /** Class labels as int32 `[batch]`. */
  readonly y: tf.Tensor1D;
}

/**
 * One mode of a dataset (Vega's `Dataset(mode=...)`), ready to iterate in batches.
 *
 * Contract: `batches(epoch)` is deterministic in (config seed, epoch): the same epoch yields
 * the same order and augmentation, so a trial resumed at epoch e sees what it would have seen.
 * Examples stay in memory as bytes; a batch is assembled from the permuted indices when it is
 * asked for, so an epoch copies nothing but its batches.
 */
export interface Dataset {
  readonly mode: DatasetMode;
  /** Examples in this mode. */
  readonly size: number;
  readonly batchSize: number;
  /** Batches per epoch (the last one may be smaller unless `drop_last`). */
  readonly numBatches: number;
  /** One example's shape, e.g. `[28, 28, 1]`. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Where the examples came from, for logs, e.g. `idx:/usr/share/datasets/fashion-mnist`. */
  readonly source: string;
  batches(epoch: number): Iterable<Batch>;
}

/**
 * What the `dataset` registry kind holds: builds one mode from the merged settings
 * (`common`, then the mode's own section) of a Vega dataset config.
 */
export type DatasetFactory = (settings: ArgReader, mode: DatasetMode) => Dataset;

declare module '@vela/registry' {
  interface RegistryFactories {
    dataset: DatasetFactory;
  }
}
