import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';
import type { ArgReader } from '@vela/networks';
import type { Batch, Dataset, DatasetMode } from './dataset.types';
import { seededRandom, shuffleInPlace, range } from './random';
import { type TransformPlan, compileTransforms, transformInto } from './transforms';

/** Examples as bytes: `images` is N × H × W × C (HWC per example), `labels` one class each. */
export interface ImageSplit {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/** A dataset's files once read: its official (or documented) train and test splits. */
export interface ImageSource {
  readonly train: ImageSplit;
  readonly test: ImageSplit;
  readonly shape: readonly [number, number, number];
  readonly numClasses: number;
  readonly description: string;
}

/** The settings every image dataset reads (Vega's `common` / per-mode keys). */
export interface LoaderSettings {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly trainPortion: number;
  readonly seed: number;
  /** Use only the first N examples of the mode (after the split), for quick jobs and smoke tests. */
  readonly maxSamples?: number;
  readonly transforms: TransformPlan;
}

/**
 * Reads the loader settings shared by every image dataset:
 * `batch_size` (default per dataset), `shuffle` (train: true, else false), `drop_last` (false),
 * `train_portion` (1: val is the test split; below 1: train and val split the training files,
 * permuted once by `seed`), `seed` (0), `max_samples` (Vela's: only the first N examples of
 * the mode, after the split), `transforms` (the dataset's defaults per mode, see
 * `compileTransforms`). `num_workers`, `download` and `data_path` are read by the caller or
 * have no effect here.
 */
export function readLoaderSettings(
  args: ArgReader,
  mode: DatasetMode,
  shape: readonly number[],
  defaults: { batchSize: number; transforms: (mode: DatasetMode) => unknown[] },
): LoaderSettings {
  const batchSize = args.int('batch_size', defaults.batchSize, { min: 1 });
  const shuffle = args.bool('shuffle', mode === 'train');
  const dropLast = args.bool('drop_last', false);
  const trainPortion = args.number('train_portion', 1, { min: 0, max: 1, exclusiveMin: true });
  const seed = args.int('seed', 0);
  const maxSamples = args.optionalNumber('max_samples', { min: 1 });
  if (maxSamples !== undefined && !Number.isInteger(maxSamples)) {
    throw new InvalidArgumentError(`must be an integer, got ${maxSamples}`, args.path('max_samples'));
  }
  const transforms = compileTransforms(args.value('transforms') ?? defaults.transforms(mode), args.path('transforms'), shape);
  args.accept('num_workers', 'download', 'pin_memory');
  return { batchSize, shuffle, dropLast, trainPortion, seed, maxSamples, transforms };
}

/**
 * One mode over an in-memory ImageSource. Holds the source's bytes (shared between modes)
 * and an index list; each epoch permutes the indices (when shuffling) and assembles batches
 * one at a time.
 */
export class ImageDataset implements Dataset {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly source: string;
  private readonly split: ImageSplit;
  private readonly indices: Uint32Array;

  constructor(
    source: ImageSource,
    readonly mode: DatasetMode,
    private readonly settings: LoaderSettings,
  ) {
    this.inputShape = source.shape;
    this.numClasses = source.numClasses;
    this.source = source.description;
    const useTrainFiles = mode === 'train' || (mode === 'val' && settings.trainPortion < 1);
    this.split = useTrainFiles ? source.train : source.test;
    const indices = useTrainFiles ? portion(source.train.count, settings, mode) : range(source.test.count);
    this.indices = settings.maxSamples === undefined ? indices : indices.slice(0, settings.maxSamples);
    if (!this.indices.length) throw new InvalidArgumentError(`leaves no examples for ${mode} (${source.train.count} training examples)`, 'dataset.train_portion');
  }

  get size(): number {
    return this.indices.length;
  }

  get batchSize(): number {
    return this.settings.batchSize;
  }

  get numBatches(): number {
    const n = this.size / this.settings.batchSize;
    return this.settings.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The examples' indices in the order epoch `epoch`'s batches take them (a copy). */
  order(epoch: number): Uint32Array {
    const indices = this.indices.slice();
    return this.settings.shuffle ? shuffleInPlace(indices, seededRandom(this.settings.seed, epoch, 1)) : indices;
  }

  *batches(epoch: number): Iterable<Batch> {
    const { batchSize, transforms } = this.settings;
    const order = this.order(epoch);
    const augment = seededRandom(this.settings.seed, epoch, 2);
    const [h, w, c] = this.inputShape;
    const pixels = h * w * c;
    for (let b = 0; b < this.numBatches; b++) {
      const picked = order.subarray(b * batchSize, Math.min((b + 1) * batchSize, order.length));
      const x = new Float32Array(picked.length * pixels);
      const y = new Int32Array(picked.length);
      picked.forEach((index, i) => {
        transformInto(this.split.images, index * pixels, this.inputShape, transforms, augment, x, i * pixels);
        y[i] = this.split.labels[index];
      });
      yield { x: tf.tensor4d(x, [picked.length, h, w, c]), y: tf.tensor1d(y, 'int32') };
    }
  }
}

/** The training files' indices for train or val: one fixed permutation by seed, split at `train_portion`. */
function portion(count: number, settings: LoaderSettings, mode: DatasetMode): Uint32Array {
  if (settings.trainPortion >= 1) return range(count);
  const permuted = shuffleInPlace(range(count), seededRandom(settings.seed, 0x5eed));
  const cut = Math.round(count * settings.trainPortion);
  return mode === 'train' ? permuted.slice(0, cut).sort() : permuted.slice(cut).sort();
}
